export { AppError } from "./app-error";
export { type ReadClawRequestOptions, readVerifiedClawRequest } from "./claw-request";
export {
  createErrorHandler,
  createNotFoundHandler,
  type ErrorCodeSet,
  type ErrorHandlerOptions,
} from "./error-handler";
export { parseJsonBody, parseJsonBytes, type ReadBodyOptions, readRawBody } from "./json-body";
export { toMisconfiguredResponse } from "./misconfigured";
export { type ReadProxyRequestOptions, readVerifiedProxyRequest } from "./proxy-request";
export { createRequestIdMiddleware } from "./request-id";
export { secretsMatch } from "./secret-match";
