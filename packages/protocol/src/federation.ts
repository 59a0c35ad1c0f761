import { z } from "zod";
import { agentDidSchema } from "./did";
import { deliveryReceiptDataSchema, eventEnvelopeSchema } from "./events";
import { base64urlSchema, isoTimestampSchema, ulidSchema, unixSecondsSchema } from "./primitives";
import { prioritySchema } from "./priority";

/** PROTOCOL.md §11: proxy-to-proxy relaying, proxy identity and the registry's event feed. */
export const FEDERATION_PATHS = {
  messages: "/v1/federation/messages",
  receipts: "/v1/federation/receipts",
  /** The recipient's proxy's timeline of a forwarded message, for the sender's home proxy (§11.9). */
  messageStatus: "/v1/federation/messages/status",
} as const;

/** `POST /v1/federation/messages/status`: which forwarded message the sender's home proxy traces. */
export const federationMessageStatusRequestSchema = z.object({
  messageId: ulidSchema,
  senderAgentDid: agentDidSchema,
});
export type FederationMessageStatusRequest = z.infer<typeof federationMessageStatusRequestSchema>;

export const CLAW_PROXY_AUTH_SCHEME = "ClawProxy";
export const CLAW_PROXY_SIGNATURE_VERSION = "CLAW-PROXY-V1";
export const CLAW_MESSAGE_PROOF_VERSION = "CLAW-MESSAGE-V1";

export const FEDERATION_MAX_BATCH_MESSAGES = 50;
export const FEDERATION_MAX_BATCH_BYTES = 2 * 1024 * 1024;
/** How old a forwarded message's proof may be: a message waits at most its TTL (6 h) in an outbox. */
export const FEDERATION_PROOF_MAX_AGE_SECONDS = 24 * 60 * 60;

/** Why a proxy-signed request was refused (`PROXY_FEDERATION_<reason>`, `REGISTRY_PROXY_AUTH_<reason>`). */
export const PROXY_AUTH_FAILURE_REASONS = [
  "MISSING_HEADER",
  "INVALID_SCHEME",
  "INVALID_TIMESTAMP",
  "INVALID_NONCE",
  "TIMESTAMP_SKEW",
  "WRONG_AUDIENCE",
  "BODY_HASH_MISMATCH",
  "UNKNOWN_PROXY",
  "PROXY_REVOKED",
  "ORIGIN_MISMATCH",
  "INVALID_SIGNATURE",
  "PROXY_KEYS_UNAVAILABLE",
] as const;
export type ProxyAuthFailureReason = (typeof PROXY_AUTH_FAILURE_REASONS)[number];

const LOCAL_HOSTNAMES = new Set(["127.0.0.1", "localhost"]);

/** True for `https://host[:port]`, or `http://` on 127.0.0.1 / localhost; nothing after the origin. */
export function isProxyOrigin(value: string): boolean {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  if (url.origin !== value) return false;
  return url.protocol === "https:" || (url.protocol === "http:" && LOCAL_HOSTNAMES.has(url.hostname));
}

export const proxyOriginSchema = z
  .string()
  .max(255)
  .refine(isProxyOrigin, "must be a lower-case origin: https://host[:port] (http only on 127.0.0.1 or localhost)");

/** The RFC 7638 JWK thumbprint of the proxy's Ed25519 public key. */
export const proxyKidSchema = base64urlSchema.length(43);
export const proxyStatusSchema = z.enum(["active", "revoked"]);
export type ProxyStatus = z.infer<typeof proxyStatusSchema>;

export const proxyRecordSchema = z.object({
  kid: proxyKidSchema,
  origin: proxyOriginSchema,
  publicKey: base64urlSchema.length(43),
  status: proxyStatusSchema,
  createdAt: isoTimestampSchema,
  revokedAt: isoTimestampSchema.nullable(),
});
export type ProxyRecord = z.infer<typeof proxyRecordSchema>;

export const registerProxyRequestSchema = z.object({
  origin: proxyOriginSchema,
  publicKey: base64urlSchema.length(43),
});
export type RegisterProxyRequest = z.infer<typeof registerProxyRequestSchema>;
export const proxyResponseSchema = z.object({ proxy: proxyRecordSchema });
export type ProxyResponse = z.infer<typeof proxyResponseSchema>;
export const proxyListResponseSchema = z.object({ proxies: z.array(proxyRecordSchema) });
export type ProxyListResponse = z.infer<typeof proxyListResponseSchema>;

export const homeProxySchema = z.object({ origin: proxyOriginSchema, kid: proxyKidSchema });
export type HomeProxy = z.infer<typeof homeProxySchema>;

/** The agent's own signed connect request (PROTOCOL.md §2), as its proxy received it. */
export const signedConnectSchema = z.object({
  ait: z.string().min(1).max(8192),
  pathWithQuery: z.string().min(1).max(2048),
  timestamp: z.string().regex(/^\d{1,12}$/),
  nonce: z.string().min(1).max(128),
  bodyHash: base64urlSchema.length(43),
  proof: base64urlSchema.min(1).max(128),
});
export type SignedConnect = z.infer<typeof signedConnectSchema>;
export const homeAttestationRequestSchema = z.object({ connect: signedConnectSchema });
export type HomeAttestationRequest = z.infer<typeof homeAttestationRequestSchema>;
export const homeAttestationResponseSchema = z.object({ homeProxy: homeProxySchema, changed: z.boolean() });
export type HomeAttestationResponse = z.infer<typeof homeAttestationResponseSchema>;

/** One forwarded message: the sender's AIT and message proof travel with it (PROTOCOL.md §11.4). */
export const federationMessageSchema = z.object({
  messageId: ulidSchema,
  senderAgentDid: agentDidSchema,
  recipientAgentDid: agentDidSchema,
  correlationId: z.string().min(1).max(200),
  priority: prioritySchema,
  conversationId: z.string().min(1).max(200).optional(),
  replyTo: z.string().min(1).max(200).optional(),
  traceparent: z.string().min(1).max(512).optional(),
  ait: z.string().min(1).max(8192),
  proofTimestamp: unixSecondsSchema,
  proof: base64urlSchema.min(1).max(128),
  payload: z.string().min(1),
});
export type FederationMessage = z.infer<typeof federationMessageSchema>;
export const federationMessageBatchSchema = z.object({
  messages: z.array(federationMessageSchema).min(1).max(FEDERATION_MAX_BATCH_MESSAGES),
});
export type FederationMessageBatch = z.infer<typeof federationMessageBatchSchema>;

export const FEDERATION_OUTCOMES = ["queued", "duplicate", "retry", "refused"] as const;
export const federationMessageResultSchema = z.object({
  messageId: ulidSchema,
  senderAgentDid: agentDidSchema,
  outcome: z.enum(FEDERATION_OUTCOMES),
  code: z.string().min(1).max(100).optional(),
  retryAfterSeconds: z.number().int().min(0).optional(),
});
export type FederationMessageResult = z.infer<typeof federationMessageResultSchema>;
export const federationMessageResultsSchema = z.object({ results: z.array(federationMessageResultSchema) });
export type FederationMessageResults = z.infer<typeof federationMessageResultsSchema>;

/** Receipts and dead-letter notices for senders at home on the receiving proxy (PROTOCOL.md §11.6). */
export const federationReceiptBatchSchema = z.object({
  receipts: z.array(deliveryReceiptDataSchema).min(1).max(FEDERATION_MAX_BATCH_MESSAGES),
});
export type FederationReceiptBatch = z.infer<typeof federationReceiptBatchSchema>;

export const FEDERATION_RECEIPT_OUTCOMES = ["stored", "retry", "refused"] as const;
export const federationReceiptResultSchema = z.object({
  messageId: ulidSchema,
  senderAgentDid: agentDidSchema,
  recipientAgentDid: agentDidSchema,
  status: deliveryReceiptDataSchema.shape.status,
  outcome: z.enum(FEDERATION_RECEIPT_OUTCOMES),
  code: z.string().min(1).max(100).optional(),
});
export type FederationReceiptResult = z.infer<typeof federationReceiptResultSchema>;
export const federationReceiptResultsSchema = z.object({ results: z.array(federationReceiptResultSchema) });
export type FederationReceiptResults = z.infer<typeof federationReceiptResultsSchema>;

export const EVENT_FEED_TYPE = "CLAW-EVENTS";
export const EVENT_FEED_MAX_PAGE = 100;
/** A cursor is an opaque decimal position in the registry's event outbox; "0" is the start. */
export const eventFeedCursorSchema = z.string().regex(/^(0|[1-9]\d{0,15})$/, "must be a feed cursor");
export const eventFeedQuerySchema = z.object({
  cursor: eventFeedCursorSchema.default("0"),
  limit: z.coerce.number().int().min(1).max(EVENT_FEED_MAX_PAGE).default(EVENT_FEED_MAX_PAGE),
});
export type EventFeedQuery = z.infer<typeof eventFeedQuerySchema>;
export const eventFeedClaimsSchema = z
  .strictObject({
    iss: z.url(),
    iat: unixSecondsSchema,
    exp: unixSecondsSchema,
    cursor: eventFeedCursorSchema,
    nextCursor: eventFeedCursorSchema,
    hasMore: z.boolean(),
    events: z.array(eventEnvelopeSchema).max(EVENT_FEED_MAX_PAGE),
  })
  .refine((claims) => claims.exp > claims.iat, { path: ["exp"], message: "exp must be after iat" });
export type EventFeedClaims = z.infer<typeof eventFeedClaimsSchema>;
export const eventFeedResponseSchema = z.object({ feed: z.string().min(1) });
export type EventFeedResponse = z.infer<typeof eventFeedResponseSchema>;

export interface ProxyCanonicalInput {
  method: string;
  pathWithQuery: string;
  audience: string;
  origin: string;
  kid: string;
  timestamp: string;
  nonce: string;
  bodyHash: string;
}

/** What a proxy signs (PROTOCOL.md §11.2): bound to the receiver's origin, so it is valid nowhere else. */
export function toProxyCanonicalString(input: ProxyCanonicalInput): string {
  return [
    CLAW_PROXY_SIGNATURE_VERSION,
    input.method.toUpperCase(),
    input.pathWithQuery,
    input.audience,
    input.origin,
    input.kid,
    input.timestamp,
    input.nonce,
    input.bodyHash,
  ].join("\n");
}

export interface MessageProofInput {
  senderDid: string;
  recipientDid: string;
  messageId: string;
  timestamp: string;
  bodyHash: string;
}

/** What the sending agent signs for a forwarded message (PROTOCOL.md §11.4). */
export function toMessageProofString(input: MessageProofInput): string {
  return [
    CLAW_MESSAGE_PROOF_VERSION,
    input.senderDid,
    input.recipientDid,
    input.messageId,
    input.timestamp,
    input.bodyHash,
  ].join("\n");
}
