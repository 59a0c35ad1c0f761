import { AUTH_FAILURE_REASONS, type AuthFailureReason } from "@clawdentity/protocol";
import { ClawAuthError } from "@clawdentity/sdk";
import { AppError } from "@clawdentity/sdk/http";
import type { MiddlewareHandler } from "hono";
import type { ProxyEnv } from "../app-env";
import type { MetricsBuffer } from "./metrics-buffer";
import { METRICS, toSeriesKey } from "./metrics-catalog";

const AUTH_CODES = new Set<string>(AUTH_FAILURE_REASONS.map((reason: AuthFailureReason) => `PROXY_AUTH_${reason}`));

/** The error code a refused request counts under, if it was an authentication or rate refusal. */
function toAuthFailureCode(error: unknown): string | undefined {
  if (error instanceof ClawAuthError) return `PROXY_AUTH_${error.reason}`;
  if (error instanceof AppError && (AUTH_CODES.has(error.code) || error.code === "PROXY_RATE_LIMITED")) {
    return error.code;
  }
  return undefined;
}

/**
 * Counts refused agent requests by code in the isolate's buffer (no call per request) and lets
 * the buffer flush in the background once its interval has passed.
 */
export function createAuthFailureMetrics(metrics: MetricsBuffer): MiddlewareHandler<ProxyEnv> {
  return async function countAuthFailures(c, next) {
    await next();
    const code = toAuthFailureCode(c.error);
    if (code) metrics.increment(toSeriesKey(METRICS.authFailures, { code }));
    try {
      metrics.flushIfDue(c.env, (promise) => c.executionCtx.waitUntil(promise));
    } catch {
      // No execution context (a direct app.fetch without one): the next request flushes.
    }
  };
}
