import { agentDidSchema, ulidSchema, unixSecondsSchema } from "@clawdentity/protocol";
import {
  ClawAuthError,
  createUlid,
  encodeBase64url,
  encodeUtf8,
  importEd25519Seed,
  signCompactJws,
  verifyCompactJws,
} from "@clawdentity/sdk";
import { AppError } from "@clawdentity/sdk/http";
import { z } from "zod";

/** JWS `typ` of a pairing ticket; the token is opaque to agents, only this proxy reads it. */
export const PAIRING_TICKET_TYPE = "CLAW-PAIRING";

const pairingTicketClaimsSchema = z.strictObject({
  sub: agentDidSchema,
  jti: ulidSchema,
  iat: unixSecondsSchema,
  exp: unixSecondsSchema,
  rateLimitPerMinute: z.number().int().positive().optional(),
  queueQuota: z.number().int().positive().optional(),
});
export type PairingTicketClaims = z.infer<typeof pairingTicketClaimsSchema>;

export interface IssueTicketInput {
  initiatorDid: string;
  nowMs: number;
  ttlSeconds: number;
  rateLimitPerMinute?: number;
  queueQuota?: number;
}

export interface PairingTickets {
  issue(input: IssueTicketInput): Promise<{ ticket: string; claims: PairingTicketClaims }>;
  /** The ticket's claims, or an AppError: invalid (400) or expired (410). */
  verify(ticket: string, nowMs: number): Promise<PairingTicketClaims>;
}

/**
 * Tickets are Ed25519 compact JWS signed with a key derived from the proxy's pairing secret,
 * so every instance of the proxy verifies them without shared state.
 */
export async function createPairingTickets(secret: string): Promise<PairingTickets> {
  const seed = new Uint8Array(await crypto.subtle.digest("SHA-256", encodeUtf8(`clawdentity-pairing-v1\n${secret}`)));
  const key = await importEd25519Seed(encodeBase64url(seed));
  const kid = `pairing-${key.publicKey.slice(0, 16)}`;
  const keys = {
    async resolveKey(requested: string) {
      if (requested !== kid) throw new ClawAuthError("UNKNOWN_KID", "ticket was not issued by this proxy");
      return key.publicKey;
    },
  };

  return {
    async issue(input) {
      const iat = Math.floor(input.nowMs / 1000);
      const claims: PairingTicketClaims = {
        sub: input.initiatorDid,
        jti: createUlid(input.nowMs),
        iat,
        exp: iat + input.ttlSeconds,
        ...(input.rateLimitPerMinute ? { rateLimitPerMinute: input.rateLimitPerMinute } : {}),
        ...(input.queueQuota ? { queueQuota: input.queueQuota } : {}),
      };
      const ticket = await signCompactJws({ claims, typ: PAIRING_TICKET_TYPE, kid, privateKey: key.privateKey });
      return { ticket, claims };
    },
    async verify(ticket, nowMs) {
      let payload: Record<string, unknown>;
      try {
        payload = await verifyCompactJws({ token: ticket, typ: PAIRING_TICKET_TYPE, keys, nowSeconds: nowMs / 1000 });
      } catch (error) {
        if (error instanceof ClawAuthError && error.reason === "AIT_EXPIRED") {
          throw new AppError("PROXY_PAIRING_TICKET_EXPIRED", 410, "pairing ticket has expired");
        }
        throw new AppError("PROXY_PAIRING_TICKET_INVALID", 400, "pairing ticket is not valid");
      }
      const claims = pairingTicketClaimsSchema.safeParse(payload);
      if (!claims.success) throw new AppError("PROXY_PAIRING_TICKET_INVALID", 400, "pairing ticket is not valid");
      return claims.data;
    },
  };
}
