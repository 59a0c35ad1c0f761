export { createProxyClient, type ProxyClient, type ProxyClientOptions, toProxyUrl } from "./proxy-client";
export {
  describeHttpFailure,
  type RemoteOutcome,
  toCallErrorOutcome,
  toProxyOutcome,
  toWebhookOutcome,
} from "./remote-outcome";
