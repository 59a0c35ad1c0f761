import { z } from "zod";

/** Why a signed request was refused; prefixed per component (`PROXY_AUTH_*`, `REGISTRY_AUTH_*`). */
export const AUTH_FAILURE_REASONS = [
  "MISSING_AUTHORIZATION",
  "INVALID_SCHEME",
  "MISSING_HEADER",
  "INVALID_TIMESTAMP",
  "INVALID_NONCE",
  "TIMESTAMP_SKEW",
  "BODY_HASH_MISMATCH",
  "INVALID_PROOF",
  "INVALID_AIT",
  "AIT_EXPIRED",
  "AIT_NOT_YET_VALID",
  "UNKNOWN_KID",
  "UNTRUSTED_ISSUER",
  "REPLAYED_NONCE",
  "AGENT_REVOKED",
  "KEYS_UNAVAILABLE",
  "CRL_UNAVAILABLE",
] as const;
export type AuthFailureReason = (typeof AUTH_FAILURE_REASONS)[number];

export const REGISTRY_ERROR_CODES = [
  ...AUTH_FAILURE_REASONS.map((reason) => `REGISTRY_AUTH_${reason}` as const),
  "REGISTRY_BAD_REQUEST",
  "REGISTRY_VALIDATION_FAILED",
  "REGISTRY_PAYLOAD_TOO_LARGE",
  "REGISTRY_UNAUTHORIZED",
  "REGISTRY_FORBIDDEN",
  "REGISTRY_NOT_FOUND",
  "REGISTRY_RATE_LIMITED",
  "REGISTRY_BOOTSTRAP_DISABLED",
  "REGISTRY_BOOTSTRAP_SECRET_INVALID",
  "REGISTRY_BOOTSTRAP_ALREADY_DONE",
  "REGISTRY_TOKEN_NOT_FOUND",
  "REGISTRY_INVITE_INVALID",
  "REGISTRY_INVITE_EXPIRED",
  "REGISTRY_INVITE_USED",
  "REGISTRY_CHALLENGE_NOT_FOUND",
  "REGISTRY_CHALLENGE_EXPIRED",
  "REGISTRY_CHALLENGE_USED",
  "REGISTRY_CHALLENGE_KEY_MISMATCH",
  "REGISTRY_CHALLENGE_SIGNATURE_INVALID",
  "REGISTRY_AGENT_NOT_FOUND",
  "REGISTRY_AGENT_REVOKED",
  "REGISTRY_AGENT_NAME_TAKEN",
  "REGISTRY_AGENT_KEY_IN_USE",
  "REGISTRY_AGENT_CONFLICT",
  "REGISTRY_INTERNAL",
  "REGISTRY_MISCONFIGURED",
] as const;
export type RegistryErrorCode = (typeof REGISTRY_ERROR_CODES)[number];

export const PROXY_ERROR_CODES = [
  ...AUTH_FAILURE_REASONS.map((reason) => `PROXY_AUTH_${reason}` as const),
  "PROXY_BAD_REQUEST",
  "PROXY_VALIDATION_FAILED",
  "PROXY_PAYLOAD_TOO_LARGE",
  "PROXY_PAYLOAD_TOO_COMPLEX",
  "PROXY_UNSUPPORTED_MEDIA_TYPE",
  "PROXY_NOT_FOUND",
  "PROXY_RATE_LIMITED",
  "PROXY_SENDER_NOT_TRUSTED",
  "PROXY_RECIPIENT_NOT_FOUND",
  "PROXY_RECIPIENT_REVOKED",
  "PROXY_QUEUE_FULL",
  "PROXY_MESSAGE_NOT_FOUND",
  "PROXY_RECEIPT_NOT_DELIVERED",
  "PROXY_RECEIPT_FORBIDDEN",
  "PROXY_PAIRING_TICKET_INVALID",
  "PROXY_PAIRING_TICKET_EXPIRED",
  "PROXY_PAIRING_TICKET_USED",
  "PROXY_PAIRING_SELF",
  "PROXY_PEER_NOT_FOUND",
  "PROXY_DEAD_LETTER_NOT_FOUND",
  "PROXY_UPGRADE_REQUIRED",
  "PROXY_METRICS_UNAUTHORIZED",
  "PROXY_REGISTRY_UNAVAILABLE",
  "PROXY_INTERNAL",
  "PROXY_MISCONFIGURED",
] as const;
export type ProxyErrorCode = (typeof PROXY_ERROR_CODES)[number];

export const CONNECTOR_ERROR_CODES = [
  "CONNECTOR_UNAUTHORIZED",
  "CONNECTOR_BAD_REQUEST",
  "CONNECTOR_VALIDATION_FAILED",
  "CONNECTOR_PAYLOAD_TOO_LARGE",
  "CONNECTOR_PAYLOAD_TOO_COMPLEX",
  "CONNECTOR_NOT_FOUND",
  "CONNECTOR_MESSAGE_NOT_FOUND",
  "CONNECTOR_DEAD_LETTER_NOT_FOUND",
  "CONNECTOR_DEAD_LETTER_NOT_RETRYABLE",
  "CONNECTOR_IDEMPOTENCY_CONFLICT",
  "CONNECTOR_INTERNAL",
] as const;
export type ConnectorErrorCode = (typeof CONNECTOR_ERROR_CODES)[number];

export type ErrorCode = RegistryErrorCode | ProxyErrorCode | ConnectorErrorCode;

export const errorEnvelopeSchema = z.object({
  error: z.object({
    code: z.string().regex(/^[A-Z][A-Z0-9]*(_[A-Z0-9]+)+$/, "code must be SCREAMING_SNAKE with a component prefix"),
    message: z.string(),
    requestId: z.string().min(1),
    details: z.unknown().optional(),
  }),
});
export type ErrorEnvelope = z.infer<typeof errorEnvelopeSchema>;

export function toErrorEnvelope(input: {
  code: ErrorCode;
  message: string;
  requestId: string;
  details?: unknown;
}): ErrorEnvelope {
  const { code, message, requestId, details } = input;
  return { error: details === undefined ? { code, message, requestId } : { code, message, requestId, details } };
}
