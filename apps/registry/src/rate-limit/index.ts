export { createRateLimitMiddleware, type RateLimiterNamespace } from "./rate-limit-middleware";
export { type RateLimitDecision, RateLimiter, type RateLimitHit } from "./rate-limiter";
