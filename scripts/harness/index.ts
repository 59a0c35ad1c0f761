export {
  bootstrapAdmin,
  createAgent,
  initHome,
  pairAgents,
  readOutbound,
  type SendOptions,
  type SentMessage,
  sendAndWait,
  sendMessage,
  setConnectorTuning,
  waitUntilConnected,
} from "./agent-flows";
export { type AgentWorld, type AgentWorldOptions, createAgentWorld, type WorldAgent } from "./agent-world";
export { CliCommandError, type CliErrorView, type CliResult, type CliRunner, createCliRunner } from "./cli-runner";
export {
  type ConnectorExit,
  type ConnectorLogLine,
  type ConnectorProcess,
  type ConnectorStartedLine,
  startConnectorProcess,
} from "./connector-process";
export { findFreePort } from "./free-port";
export type { Json } from "./json";
export { CLI_BIN, REPO_ROOT } from "./repo-root";
export { answerWithPayloadFailStatus, FAST_WEBHOOK_DEAD_LETTER_TUNING } from "./runtime-behaviour";
export { type RunningStack, type ScratchStack, startScratchStack } from "./scratch-stack";
export { type StackProcess, type StackProcessOptions, startStackProcess } from "./stack-process";
export { DELIVERED_MESSAGE_HOPS, findMissingHops, type TraceTimelineStep } from "./trace-hops";
export { sleep, type WaitOptions, waitFor } from "./wait-for";
export { startWebhookReceiver, type WebhookReceiver, type WebhookResponder } from "./webhook-receiver";
