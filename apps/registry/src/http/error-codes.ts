import type { ErrorCodeSet } from "@clawdentity/sdk/http";

export const REGISTRY_ERROR_CODE_SET: ErrorCodeSet = {
  badRequest: "REGISTRY_BAD_REQUEST",
  validation: "REGISTRY_VALIDATION_FAILED",
  payloadTooLarge: "REGISTRY_PAYLOAD_TOO_LARGE",
  notFound: "REGISTRY_NOT_FOUND",
  internal: "REGISTRY_INTERNAL",
  authPrefix: "REGISTRY_AUTH_",
  proxyAuthPrefix: "REGISTRY_PROXY_AUTH_",
};
