import { z } from "zod";
import { agentDidSchema } from "./did";
import { proxyKidSchema, proxyOriginSchema, signedConnectSchema } from "./federation";
import { ulidSchema, unixSecondsSchema } from "./primitives";

/** PROTOCOL.md §11.7: pairing between agents at home on different proxies. */
export const FEDERATION_PAIRING_PATHS = {
  confirm: "/v1/federation/pairing/confirm",
  unpair: "/v1/federation/pairing/unpair",
} as const;

/** The agent's request (AIT ≤ 8 KiB, body ≤ 8 KiB) and its envelope. */
export const FEDERATION_PAIRING_MAX_BYTES = 32 * 1024;

/** JWS `typ` of a pairing ticket (PROTOCOL.md §4.7). */
export const PAIRING_TICKET_TYPE = "CLAW-PAIRING";

/**
 * A pairing ticket's claims. `iss` (the issuing proxy's origin) and `proxyKid` (its registered
 * key) are read, unverified, by the confirming peer's proxy to route the confirm; only the issuer
 * verifies the signature. A ticket without `iss` was issued by the proxy reading it.
 */
export const pairingTicketClaimsSchema = z.strictObject({
  iss: proxyOriginSchema.optional(),
  proxyKid: proxyKidSchema.optional(),
  sub: agentDidSchema,
  jti: ulidSchema,
  iat: unixSecondsSchema,
  exp: unixSecondsSchema,
  rateLimitPerMinute: z.number().int().positive().optional(),
  queueQuota: z.number().int().positive().optional(),
});
export type PairingTicketClaims = z.infer<typeof pairingTicketClaimsSchema>;

/**
 * An agent's own signed request (PROTOCOL.md §2) exactly as its proxy received it, with the body it
 * signed: evidence a proxy cannot make up for an agent.
 */
export const signedAgentRequestSchema = signedConnectSchema.extend({ body: z.string().max(8192) });
export type SignedAgentRequest = z.infer<typeof signedAgentRequestSchema>;

/** `POST /v1/federation/pairing/confirm`: the peer's `POST /v1/pairing/confirm`, forwarded to the ticket's issuer. */
export const federationPairingConfirmSchema = z.object({ confirm: signedAgentRequestSchema });
export type FederationPairingConfirm = z.infer<typeof federationPairingConfirmSchema>;
/** 201: the issuer trusts the peer now; the peer's proxy stores the peer's row for the initiator. */
export const federationPairingConfirmResponseSchema = z.object({
  initiatorAgentDid: agentDidSchema,
  ticketId: ulidSchema,
});
export type FederationPairingConfirmResponse = z.infer<typeof federationPairingConfirmResponseSchema>;

/** `POST /v1/federation/pairing/unpair`: the agent's `DELETE /v1/trust/peers/:did`, forwarded to the peer's proxy. */
export const federationUnpairSchema = z.object({ unpair: signedAgentRequestSchema });
export type FederationUnpair = z.infer<typeof federationUnpairSchema>;

/**
 * `DELETE /v1/trust/peers/:did` answers 200 with this (instead of 204) when the trust was removed
 * here but the peer's proxy could not be told (PROTOCOL.md §11.7).
 */
export const trustPeerRemovalResponseSchema = z.object({
  peerNotified: z.literal(false),
  code: z.string().min(1).max(100),
});
export type TrustPeerRemovalResponse = z.infer<typeof trustPeerRemovalResponseSchema>;
