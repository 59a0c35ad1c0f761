export { type BatchOutcome, type ProxyClassifier, toBatchOutcome } from "./batch-outcome";
export {
  createProxyClient,
  type ProxyAnswer,
  type ProxyClient,
  type ProxyClientOptions,
  type SigningIdentity,
  toProxyUrl,
} from "./proxy-client";
export {
  describeHttpFailure,
  type RemoteOutcome,
  toCallErrorOutcome,
  toProxyOutcome,
  toReceiptOutcome,
  toWebhookOutcome,
} from "./remote-outcome";
