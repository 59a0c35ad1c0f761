export {
  callHttp,
  type FetchLike,
  fetchTransport,
  type HttpAnswer,
  HttpCallError,
  type HttpCallErrorKind,
  type HttpCallInput,
  type HttpRequest,
  type HttpResult,
  type HttpTransport,
  parseRetryAfterMs,
  toErrorCode,
} from "./http-call";
export { checkHmacSha256, hmacSha256, nodeSigning } from "./node-crypto";
export { nodeHttpTransport } from "./node-http-transport";
