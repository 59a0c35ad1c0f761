export { createDeadLetterStore, type DeadLetterRecord, type DeadLetterStore } from "./dead-letter-store";
export { createIdentityStore, type IdentityStore, type SessionIdentity } from "./identity-store";
export {
  createMessageStore,
  type MessageRecord,
  type MessageState,
  type MessageStore,
  type NewMessage,
} from "./message-store";
export { createMetricFlushStore, type MetricFlushStore, type PendingFlush } from "./metric-flush-store";
export {
  COUNTERS,
  type CounterDelta,
  createMetricsStore,
  LATENCY_SAMPLE_SLOTS,
  type MetricsStore,
  SERIES_PREFIX,
} from "./metrics-store";
export { createNonceStore, type NonceStore } from "./nonce-store";
export { createOutboundStore, type OutboundKind, type OutboundRecord, type OutboundStore } from "./outbound-store";
export { createPairingTicketStore, type PairingTicketStore } from "./pairing-ticket-store";
export { createProcessedEventStore, type ProcessedEventStore } from "./processed-event-store";
export { createRateLimitStore, type RateLimitStore } from "./rate-limit-store";
export {
  createReceiptStore,
  type NewReceipt,
  type ReceiptRecord,
  type ReceiptState,
  type ReceiptStore,
} from "./receipt-store";
export { createRevocationStore, type Revocation, type RevocationStore, WHOLE_AGENT } from "./revocation-store";
export { SESSION_MIGRATIONS } from "./schema";
export { createSessionStateStore, type SessionStateStore } from "./session-state-store";
export {
  createTimelineStore,
  type SentMessageRecord,
  type SentState,
  type TimelineEntryRecord,
  type TimelineEvent,
  type TimelineStore,
} from "./timeline-store";
export { createTrustStore, type TrustRecord, type TrustStore } from "./trust-store";
