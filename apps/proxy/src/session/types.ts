import type { Priority, RelayMetricsResponse, TrustPeer } from "@clawdentity/protocol";

/** One per signed request, admitted in `senderBatch` on the sender's own session. */
export interface AdmissionInput {
  agentDid: string;
  jti: string;
  nonce: string;
  /** The request's timestamp plus the skew window: until then the nonce may not be used again. */
  nonceExpiresAtMs: number;
  /** A relayed message: it takes a token of the sender's rate, across all its recipients. */
  rateLimited?: boolean;
  /** Tokens a rate-limited request wants (a batch: one per message); default 1. */
  rateTokens?: number;
}

export type AdmissionResult =
  /** `granted`: fewer tokens than wanted were left, and when the next one comes back. */
  | { ok: true; granted?: number; retryAfterSeconds?: number }
  | { ok: false; reason: "AGENT_REVOKED"; revocationReason: string }
  | { ok: false; reason: "REPLAYED_NONCE" }
  | { ok: false; reason: "RATE_LIMITED"; retryAfterSeconds: number };

/** `enqueue`: made on the recipient's session. */
export interface EnqueueInput {
  senderDid: string;
  messageId: string;
  correlationId: string;
  priority: Priority;
  conversationId?: string;
  replyTo?: string;
  traceparent?: string;
  /** The JSON payload exactly as received. */
  payload: string;
  acceptedAtMs: number;
}

export type EnqueueRefusal = "recipient_not_found" | "recipient_revoked" | "sender_not_trusted" | "queue_full";

export type EnqueueResult =
  | { ok: true; state: "queued" | "duplicate"; queueDepth: number; correlationId: string }
  | { ok: false; refusal: EnqueueRefusal; detail?: string }
  /** The recipient's limit on this sender (its pairing) is reached. */
  | { ok: false; refusal: "rate_limited"; retryAfterSeconds: number };

/** What the session holding the trust row allows that peer to send to it. */
export interface PairLimits {
  rateLimitPerMinute?: number;
  queueQuota?: number;
  /** The peer's proxy when it is another one (PROTOCOL.md §11.7); unpairing is sent there. */
  peerOrigin?: string;
}

/** `redeemPairingTicket`: made on the initiator's session. */
export interface RedeemTicketInput extends PairLimits {
  ticketId: string;
  peerDid: string;
  ticketExpiresAtMs: number;
}

export type RedeemTicketResult =
  | { ok: true; peer: TrustPeer }
  | { ok: false; refusal: "ticket_used" | "initiator_unknown" | "initiator_revoked" };

/** `addTrustedPeer`: the responder's half of a confirmed pairing. */
export interface AddTrustedPeerInput extends PairLimits {
  peerDid: string;
  ticketId: string;
}

/**
 * `revoke`: the whole agent, or one AIT `jti` (a reissue). `eventId` (the queue event's id)
 * makes a redelivered event a no-op.
 */
export type RevokeInput = ({ scope: "agent" } | { scope: "jti"; jti: string }) & { reason: string; eventId?: string };

export interface RevokeResult {
  /** False when that target was already revoked, or the event was applied before. */
  recorded: boolean;
  /** True when `eventId` was applied before and nothing was done. */
  duplicateEvent: boolean;
  closedSockets: number;
  /** Messages queued for the agent that became `recipient_revoked` dead letters in this call. */
  deadLettered: number;
}

export type RelayMetrics = RelayMetricsResponse;

/** `storeReceipt`: made on the sender's session by the receipts consumer. */
export interface StoreReceiptResult {
  /** False for a receipt already held (the event was delivered again). */
  stored: boolean;
  /** False when no agent with that DID ever used this proxy: the receipt has nowhere to go. */
  senderKnown: boolean;
}

/** Set by the app on the upgrade it forwards to the session, after authenticating the agent. */
export const SESSION_AGENT_HEADER = "x-clawdentity-session-agent";
export const SESSION_JTI_HEADER = "x-clawdentity-session-jti";
