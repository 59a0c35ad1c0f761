import type { DeadLetterReason } from "@clawdentity/protocol";
import { HttpCallError, type HttpResult, parseRetryAfterMs, toErrorCode } from "../http";

/** What one call to a remote (proxy or runtime webhook) means for the row that made it. */
export type RemoteOutcome =
  | { kind: "accepted" }
  /** 429: come back after Retry-After; the remote is healthy. */
  | { kind: "throttled"; retryAfterMs: number | null; error: string }
  /** Worth retrying with backoff; `circuitFailure` when it says the remote itself is unwell. */
  | { kind: "transient"; error: string; circuitFailure: boolean; retryAfterMs: number | null }
  /**
   * The runtime webhook refused the call itself (401/403/404/405, a redirect): a wrong URL or
   * token. No retry of this row alone can fix it; the whole webhook pauses until it is fixed.
   */
  | { kind: "misconfigured"; error: string; retryAfterMs: number | null }
  /** Will never succeed as is: dead-letter at once. */
  | { kind: "permanent"; reason: DeadLetterReason; error: string }
  /**
   * The proxy refused the AIT itself (`PROXY_AUTH_AIT_EXPIRED`, `PROXY_AUTH_AGENT_REVOKED`): no row
   * of the queue can go with it. The identity keeper judges it once (`jti` signed the call).
   * Never from a webhook; `retryAfterMs` is always null (nothing to wait for but a new identity).
   */
  | {
      kind: "identity_refused";
      code: string;
      jti: string;
      error: string;
      /** `details.reason` of a revocation: `reissued`/`renewed` = only this AIT was replaced. */
      reason: string | null;
      retryAfterMs: null;
    }
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

/**
 * The part of a proxy answer every route means alike (PROTOCOL.md §4): 2xx accepted; 429 throttled; 5xx
 * and 408 transient and a circuit failure, except 507 (the recipient's queue is full: the proxy is
 * fine, try later); an expired or revoked AIT refuses the identity, other 401s (clock skew, a nonce
 * clash) are transient. Any other 4xx is the route's to judge: `toFinalReason` names why it can
 * never succeed, or returns null to retry it with backoff (not a circuit failure: the proxy answered).
 */
function classifyProxyAnswer(
  result: HttpResult & { jti?: string },
  nowMs: number,
  toFinalReason: (status: number, code: string | undefined) => DeadLetterReason | null,
): RemoteOutcome {
  const { status } = result;
  if (status >= 200 && status < 300) return { kind: "accepted" };
  const error = describeHttpFailure(result);
  const retryAfterMs = parseRetryAfterMs(result.headers.get("retry-after"), nowMs);
  if (status === 429) return { kind: "throttled", retryAfterMs, error };
  if (status === 507) return { kind: "transient", error, circuitFailure: false, retryAfterMs };
  if (status >= 500 || status === 408) return { kind: "transient", error, circuitFailure: true, retryAfterMs };
  // 1xx/3xx: the proxy never answers these on purpose; a misconfigured URL may redirect.
  if (status < 400) return { kind: "transient", error, circuitFailure: true, retryAfterMs: null };
  const code = toErrorCode(result.json);
  if (code && IDENTITY_REFUSAL_CODES.has(code)) {
    const reason = (result.json as { error?: { details?: { reason?: unknown } } } | null)?.error?.details?.reason;
    const revocationReason = typeof reason === "string" ? reason : null;
    return {
      kind: "identity_refused",
      code,
      jti: result.jti ?? "",
      error,
      reason: revocationReason,
      retryAfterMs: null,
    };
  }
  const reason = status === 401 ? null : toFinalReason(status, code);
  if (reason) return { kind: "permanent", reason, error };
  return { kind: "transient", error, circuitFailure: false, retryAfterMs: null };
}

/** Refusals of the AIT itself: every call with it would get the same. */
const IDENTITY_REFUSAL_CODES: ReadonlySet<string> = new Set(["PROXY_AUTH_AIT_EXPIRED", "PROXY_AUTH_AGENT_REVOKED"]);

const MESSAGE_FINAL_BY_CODE: Record<string, DeadLetterReason> = {
  PROXY_RECIPIENT_REVOKED: "recipient_revoked",
  PROXY_SENDER_NOT_TRUSTED: "untrusted",
  PROXY_RECIPIENT_NOT_FOUND: "recipient_not_found",
  PROXY_PAYLOAD_TOO_LARGE: "payload_too_large",
};

/**
 * Classifies the proxy's answer to `POST /v1/relay/messages`: on top of what every route shares,
 * a 404 for a missing route is transient; every other 4xx is final.
 */
export function toProxyOutcome(result: HttpResult & { jti?: string }, nowMs: number): RemoteOutcome {
  return classifyProxyAnswer(result, nowMs, (status, code) => {
    const byCode = code ? MESSAGE_FINAL_BY_CODE[code] : undefined;
    if (byCode) return byCode;
    // No such route (or not a proxy answering): a wrong proxyUrl or an older proxy, not a verdict on
    // this message. Keep it and retry until the TTL; lastError tells the operator.
    if (status === 404 && (code === undefined || code === "PROXY_NOT_FOUND")) return null;
    if (status === 403) return "untrusted";
    if (status === 404) return "recipient_not_found";
    if (status === 413) return "payload_too_large";
    return "invalid_request";
  });
}

const RECEIPT_FINAL_BY_STATUS: Partial<Record<number, DeadLetterReason>> = {
  400: "invalid_request",
  403: "untrusted",
  413: "payload_too_large",
};

/**
 * Classifies the proxy's answer to `POST /v1/relay/delivery-receipts`. Only a request the proxy can
 * never accept is final: 400 (invalid body), 403 (that sender never related to this agent), 413 and
 * a revoked agent. Everything else is retried until `receiptTtlMs`, notably 404
 * `PROXY_RECEIPT_NOT_DELIVERED`: the relay may record the push after the receipt arrives (a re-queue,
 * a redelivery), so it is not a verdict on this receipt.
 */
export function toReceiptOutcome(result: HttpResult & { jti?: string }, nowMs: number): RemoteOutcome {
  return classifyProxyAnswer(result, nowMs, (status) => RECEIPT_FINAL_BY_STATUS[status] ?? null);
}

/** The runtime refused this message: no retry changes that (PROTOCOL.md §9.1). */
const WEBHOOK_REJECTED = new Set([400, 410, 413, 415, 422]);
/** The call never reached a handler that could judge the message: a wrong URL or credentials. */
const WEBHOOK_MISCONFIGURED = new Set([401, 403, 404, 405]);
/** Try again later: a timeout, a conflict in progress, too early. */
const WEBHOOK_RETRY = new Set([408, 409, 425]);

/**
 * Classifies a runtime webhook answer (PROTOCOL.md §9.1): 2xx delivered; 400/410/413/415/422 (and
 * any 4xx not named here) the runtime refusing the message (`webhook_rejected`); 401/403/404/405
 * and redirects a misconfigured target (deliveries pause, nothing is dead-lettered before its
 * TTL); 408/409/425/429 retried after `Retry-After`; 5xx retried and counted against the circuit.
 */
export function toWebhookOutcome(result: HttpResult, nowMs: number): RemoteOutcome {
  const { status } = result;
  if (status >= 200 && status < 300) return { kind: "accepted" };
  const error = `webhook answered HTTP ${status}`;
  const retryAfterMs = parseRetryAfterMs(result.headers.get("retry-after"), nowMs);
  if (status === 429) return { kind: "throttled", retryAfterMs, error };
  if (WEBHOOK_RETRY.has(status)) return { kind: "transient", error, circuitFailure: false, retryAfterMs };
  if (WEBHOOK_MISCONFIGURED.has(status) || (status >= 300 && status < 400)) {
    return { kind: "misconfigured", error, retryAfterMs };
  }
  if (WEBHOOK_REJECTED.has(status) || (status >= 400 && status < 500)) {
    return { kind: "permanent", reason: "webhook_rejected", error };
  }
  return { kind: "transient", error, circuitFailure: true, retryAfterMs };
}
