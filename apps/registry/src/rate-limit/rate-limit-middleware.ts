import { CLAW_HEADERS } from "@clawdentity/protocol";
import type { Clock } from "@clawdentity/sdk";
import { AppError, secretsMatch } from "@clawdentity/sdk/http";
import type { MiddlewareHandler } from "hono";
import type { RateLimitBucket, RateLimitRule } from "../config";
import type { RateLimiter } from "./rate-limiter";

export type RateLimiterNamespace = DurableObjectNamespace<RateLimiter>;

/** The client a public route counts against: Cloudflare's connecting IP. */
function toClientKey(headers: { header(name: string): string | undefined }): string {
  return headers.header("cf-connecting-ip") ?? "unknown";
}

/**
 * 429 with `Retry-After` once a client exceeds `rule` on this bucket, counted on every instance.
 * A proxy presenting the shared service token is authenticated service traffic, not a public
 * client: many proxy instances reach the registry through one service binding without a client
 * address, and must never share one public bucket (their CRL refreshes would be refused).
 */
export function createRateLimitMiddleware(options: {
  namespace: RateLimiterNamespace;
  bucket: RateLimitBucket;
  rule: RateLimitRule;
  clock: Clock;
  serviceToken: string | null;
}): MiddlewareHandler {
  const { namespace, bucket, rule, clock, serviceToken } = options;
  const windowMs = rule.windowSeconds * 1000;
  return async function rateLimit(c, next) {
    const presented = c.req.header(CLAW_HEADERS.serviceToken);
    if (presented !== undefined && (await secretsMatch(presented, serviceToken))) return next();
    const stub = namespace.get(namespace.idFromName(`${bucket}:${toClientKey(c.req)}`));
    // Fails open: a limiter outage must not take the public routes down with it.
    const decision = await stub
      .hit({ limit: rule.limit, windowMs, nowMs: clock.nowMs() })
      .catch((error: unknown) => console.error("rate limiter unavailable", bucket, error));
    if (decision && !decision.allowed) {
      throw new AppError(
        "REGISTRY_RATE_LIMITED",
        429,
        `too many ${bucket} requests; retry in ${decision.retryAfterSeconds}s`,
        { bucket, limit: rule.limit, windowSeconds: rule.windowSeconds },
        { [CLAW_HEADERS.retryAfter]: String(decision.retryAfterSeconds) },
      );
    }
    await next();
  };
}
