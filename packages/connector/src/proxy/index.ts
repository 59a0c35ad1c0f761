export { createProxyClient, type ProxyClient, type ProxyClientOptions, toProxyUrl } from "./proxy-client";
export {
  describeHttpFailure,
  type RemoteOutcome,
  toCallErrorOutcome,
  toProxyOutcome,
  toReceiptOutcome,
  toWebhookOutcome,
} from "./remote-outcome";
