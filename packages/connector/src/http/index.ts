export {
  callHttp,
  type FetchLike,
  HttpCallError,
  type HttpCallErrorKind,
  type HttpCallInput,
  type HttpResult,
  parseRetryAfterMs,
  toErrorCode,
} from "./http-call";
