export { AgentRelaySession } from "./agent-relay-session";
export type { RetryDeadLetterResult } from "./dead-letter-admin";
export type { DeliveryReport } from "./outbound-writer";
export type { SubmitReceiptInput, SubmitReceiptResult } from "./receipt-intake";
export { SESSION_AGENT_HEADER, SESSION_JTI_HEADER } from "./session-headers";
export { createRelaySessionRuntime, type RelaySessionRuntime } from "./session-runtime";
export type * from "./session-types";
export type { SentMessageInput } from "./timeline-keeper";
