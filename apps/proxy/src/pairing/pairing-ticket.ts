import { PAIRING_TICKET_TYPE, type PairingTicketClaims, pairingTicketClaimsSchema } from "@clawdentity/protocol";
import {
  ClawAuthError,
  createUlid,
  decodeJwsClaims,
  encodeBase64url,
  encodeUtf8,
  importEd25519Seed,
  signCompactJws,
  verifyCompactJws,
} from "@clawdentity/sdk";
import { AppError } from "@clawdentity/sdk/http";
import { z } from "zod";

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

/** Who issues this proxy's tickets: its origin, and its registered key when federation is on. */
export interface TicketIssuer {
  origin: string;
  proxyKid: string | null;
}

/** Claims another issuer may add later do not stop a ticket being routed to it. */
const routedClaimsSchema = z.object(pairingTicketClaimsSchema.shape);

/**
 * A ticket's claims WITHOUT checking its signature: a confirming peer's proxy routes on `iss`
 * (PROTOCOL.md §11.7) and only the issuer verifies. Null when it is not a readable ticket.
 */
export function readTicketClaims(ticket: string): PairingTicketClaims | null {
  return decodeJwsClaims(ticket, routedClaimsSchema);
}

/**
 * Tickets are Ed25519 compact JWS signed with a key derived from the proxy's pairing secret,
 * so every instance of the proxy verifies them without shared state. They name this proxy as
 * their issuer, so a peer at home elsewhere can have its proxy forward the confirm here.
 */
export async function createPairingTickets(secret: string, issuer: TicketIssuer): Promise<PairingTickets> {
  const seed = new Uint8Array(await crypto.subtle.digest("SHA-256", encodeUtf8(`clawdentity-pairing-v1\n${secret}`)));
  const key = await importEd25519Seed(encodeBase64url(seed));
  const kid = `pairing-${key.publicKey.slice(0, 16)}`;
  const keys = {
    async resolveKey(requested: string) {
      if (requested !== kid) throw new ClawAuthError("UNKNOWN_KID", "ticket was not issued by this proxy");
      return key.publicKey;
    },
  };
  const invalid = () => new AppError("PROXY_PAIRING_TICKET_INVALID", 400, "pairing ticket is not valid");

  return {
    async issue(input) {
      const iat = Math.floor(input.nowMs / 1000);
      const claims: PairingTicketClaims = {
        iss: issuer.origin,
        ...(issuer.proxyKid ? { proxyKid: issuer.proxyKid } : {}),
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
        throw invalid();
      }
      const claims = pairingTicketClaimsSchema.safeParse(payload);
      // Our key signed it, so `iss` can only differ after PROXY_ORIGIN changed: not ours to honour.
      if (!claims.success || (claims.data.iss !== undefined && claims.data.iss !== issuer.origin)) throw invalid();
      return claims.data;
    },
  };
}
