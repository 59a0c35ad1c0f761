export {
  bootstrapAdmin,
  createAgent,
  initHome,
  pairAgents,
  readOutbound,
  readStatus,
  type SendOptions,
  type SentMessage,
  sendAndWait,
  sendMessage,
  setConnectorTuning,
  updateAgentConfig,
  waitUntilConnected,
} from "./agent-flows";
export { type AgentWorld, type AgentWorldOptions, createAgentWorld, type WorldAgent } from "./agent-world";
export { createBinRunner } from "./bin-runner";
export { CliCommandError, type CliErrorView, type CliResult, type CliRunner, createCliRunner } from "./cli-runner";
export {
  type ConnectorExit,
  type ConnectorLogLine,
  type ConnectorProcess,
  type ConnectorStartedLine,
  startConnectorProcess,
} from "./connector-process";
export { countDeliveryFigures, type DeliveryFigures, formatDeliveryFigures } from "./delivery-figures";
export { type FederatedStack, startFederatedStack } from "./federated-stack";
export { findFreePort } from "./free-port";
export type { Json } from "./json";
export { mapWithConcurrency, sendBurst } from "./local-api-send";
export {
  ensurePrometheusInstalled,
  type PrometheusServer,
  runPromtool,
  type ScrapeJob,
  startPrometheus,
} from "./prometheus";
export { CLI_BIN, REPO_ROOT } from "./repo-root";
export {
  answerWithPayloadFailStatus,
  FAST_RECOVERY_PROXY_VARS,
  FAST_RECOVERY_TUNING,
  FAST_WEBHOOK_DEAD_LETTER_TUNING,
} from "./runtime-behaviour";
export { type RunningStack, type ScratchStack, startScratchStack } from "./scratch-stack";
export {
  type SecondProxyProcess,
  type SecondProxyProcessOptions,
  startSecondProxyProcess,
} from "./second-proxy-process";
export { createSeededRandom, resolveFaultSeed, type SeededRandom } from "./seeded-random";
export { createSignedPost, relaySigned, type SignedPost } from "./signed-relay";
export { type StackProcess, type StackProcessOptions, startStackProcess } from "./stack-process";
export { startTcpForwarder, type TcpForwarder } from "./tcp-forwarder";
export {
  DELIVERED_MESSAGE_HOPS,
  FEDERATED_MESSAGE_HOPS,
  findMissingHops,
  type TraceTimelineStep,
} from "./trace-hops";
export { sleep, type WaitOptions, waitFor } from "./wait-for";
export {
  startWebhookReceiver,
  type WebhookAnswerListener,
  type WebhookReceiver,
  type WebhookResponder,
} from "./webhook-receiver";
