export { AgentRelaySession } from "./agent-relay-session";
export type { RetryDeadLetterResult } from "./inbound/dead-letter-admin";
export type { DeliveryReport } from "./outbound/outbox";
export type { SubmitReceiptInput, SubmitReceiptResult } from "./outbound/receipt-intake";
export type { SentMessageInput } from "./outbound/timeline-keeper";
export { createRelaySessionRuntime, type RelaySessionRuntime } from "./runtime";
export { SESSION_AGENT_HEADER, SESSION_JTI_HEADER } from "./session-headers";
export type * from "./types";
