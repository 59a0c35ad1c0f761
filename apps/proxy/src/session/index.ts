export { AgentRelaySession } from "./agent-relay-session";
export type { RetryDeadLetterResult } from "./inbound";
export type { DeliveryReport, SentMessageInput, SubmitReceiptInput, SubmitReceiptResult } from "./outbound";
export { createRelaySessionRuntime, type RelaySessionRuntime } from "./runtime";
export * from "./types";
