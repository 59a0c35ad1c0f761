export { createDeadLetterStore, type DeadLetterRecord, type DeadLetterStore } from "./dead-letter-store";
export { createIdentityStore, type IdentityStore, type SessionIdentity } from "./identity-store";
export {
  createMessageStore,
  type MessageRecord,
  type MessageState,
  type MessageStore,
  type NewMessage,
} from "./message-store";
export { COUNTERS, createMetricsStore, LATENCY_SAMPLE_SLOTS, type MetricsStore } from "./metrics-store";
export { createNonceStore, type NonceStore } from "./nonce-store";
export { createPairingTicketStore, type PairingTicketStore } from "./pairing-ticket-store";
export { createRateLimitStore, type RateLimitStore } from "./rate-limit-store";
export { createRevocationStore, type Revocation, type RevocationStore, WHOLE_AGENT } from "./revocation-store";
export { createSessionStateStore, type SessionStateStore } from "./session-state-store";
export { createTrustStore, type TrustRecord, type TrustStore } from "./trust-store";
