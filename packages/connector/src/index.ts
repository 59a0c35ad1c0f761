export * from "./agent-home";
export { type CircuitBreaker, type CircuitBreakerSnapshot, createCircuitBreaker } from "./circuit-breaker";
export * from "./config";
export { type Connector, type ConnectorDeps, createConnector, type StartedConnector } from "./create-connector";
export { type DeadLetterQuery, DeadLetterReadError, type DeadLetterService, readDeadLetters } from "./dead-letters";
export { type FetchLike, fetchTransport } from "./http";
export {
  type Credentials,
  IdentityError,
  type RenewalAnswer,
  type RenewalRequest,
  requestRenewal,
  toCredentials,
} from "./identity";
export { createJsonLogger, type Logger, silentLogger } from "./logger";
export type { OutboundService, SubmitOutboundInput, SubmitOutboundResult } from "./outbox";
export type { CreateWebSocket, RelaySocketState, RelaySocketStatus } from "./relay-client";
export { type ConnectorStorage, createGroupCommit, openConnectorStorage, SCHEMA_VERSION } from "./storage";
