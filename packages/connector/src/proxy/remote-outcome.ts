import type { DeadLetterReason } from "@clawdentity/protocol";
import { HttpCallError, type HttpResult, parseRetryAfterMs, toErrorCode } from "../http";

/** What one call to a remote (proxy or runtime webhook) means for the row that made it. */
export type RemoteOutcome =
  | { kind: "accepted" }
  /** 429: come back after Retry-After; the remote is healthy. */
  | { kind: "throttled"; retryAfterMs: number | null; error: string }
  /** Worth retrying with backoff; `circuitFailure` when it says the remote itself is unwell. */
  | { kind: "transient"; error: string; circuitFailure: boolean; retryAfterMs: number | null }
  /** Will never succeed as is: dead-letter at once. */
  | { kind: "permanent"; reason: DeadLetterReason; error: string }
  /** We aborted it (shutdown): give the row back without spending an attempt. */
  | { kind: "aborted" };

export function describeHttpFailure(result: HttpResult): string {
  const code = toErrorCode(result.json);
  const message = (result.json as { error?: { message?: unknown } } | null)?.error?.message;
  return [`HTTP ${result.status}`, code, typeof message === "string" ? message : undefined].filter(Boolean).join(" ");
}

export function toCallErrorOutcome(error: unknown): RemoteOutcome {
  if (error instanceof HttpCallError) {
    if (error.kind === "aborted") return { kind: "aborted" };
    return { kind: "transient", error: error.message, circuitFailure: true, retryAfterMs: null };
  }
  throw error;
}

const PROXY_PERMANENT_BY_CODE: Record<string, DeadLetterReason> = {
  PROXY_AUTH_AGENT_REVOKED: "sender_revoked",
  PROXY_RECIPIENT_REVOKED: "recipient_revoked",
  PROXY_SENDER_NOT_TRUSTED: "untrusted",
  PROXY_RECIPIENT_NOT_FOUND: "recipient_not_found",
  PROXY_PAYLOAD_TOO_LARGE: "payload_too_large",
};

/**
 * Classifies a proxy answer (SPEC §5): 2xx accepted; 429 throttled; 5xx and 408 transient and a
 * circuit failure, except 507 (the recipient's queue is full: the proxy is fine, try later);
 * other 401s (clock skew, a nonce clash) and a 404 for a missing route transient; every other
 * 4xx permanent.
 */
export function toProxyOutcome(result: HttpResult, nowMs: number): RemoteOutcome {
  const { status } = result;
  if (status >= 200 && status < 300) return { kind: "accepted" };
  const error = describeHttpFailure(result);
  const retryAfterMs = parseRetryAfterMs(result.headers.get("retry-after"), nowMs);
  if (status === 429) return { kind: "throttled", retryAfterMs, error };
  const code = toErrorCode(result.json);
  const byCode = code ? PROXY_PERMANENT_BY_CODE[code] : undefined;
  if (byCode) return { kind: "permanent", reason: byCode, error };
  if (status === 507) return { kind: "transient", error, circuitFailure: false, retryAfterMs };
  if (status >= 500 || status === 408) return { kind: "transient", error, circuitFailure: true, retryAfterMs };
  if (status === 401) return { kind: "transient", error, circuitFailure: false, retryAfterMs: null };
  // No such route (or not a proxy answering): a wrong proxyUrl or an older proxy, not a verdict on
  // this message. Keep it and retry until the TTL; lastError tells the operator.
  if (status === 404 && (code === undefined || code === "PROXY_NOT_FOUND")) {
    return { kind: "transient", error, circuitFailure: false, retryAfterMs: null };
  }
  if (status === 403) return { kind: "permanent", reason: "untrusted", error };
  if (status === 404) return { kind: "permanent", reason: "recipient_not_found", error };
  if (status === 413) return { kind: "permanent", reason: "payload_too_large", error };
  if (status >= 400) return { kind: "permanent", reason: "invalid_request", error };
  // 1xx/3xx: the proxy never answers these on purpose; a misconfigured URL may redirect.
  return { kind: "transient", error, circuitFailure: true, retryAfterMs: null };
}

/**
 * Classifies a runtime webhook answer (SPEC §9): 2xx delivered; 408/425/429 and 5xx transient;
 * any other 4xx is the runtime refusing the message (`webhook_rejected`), which no retry changes.
 */
export function toWebhookOutcome(result: HttpResult, nowMs: number): RemoteOutcome {
  const { status } = result;
  if (status >= 200 && status < 300) return { kind: "accepted" };
  const error = `webhook answered HTTP ${status}`;
  const retryAfterMs = parseRetryAfterMs(result.headers.get("retry-after"), nowMs);
  if (status === 429) return { kind: "throttled", retryAfterMs, error };
  if (status === 408 || status === 425) return { kind: "transient", error, circuitFailure: false, retryAfterMs };
  if (status >= 400 && status < 500) return { kind: "permanent", reason: "webhook_rejected", error };
  return { kind: "transient", error, circuitFailure: true, retryAfterMs };
}
