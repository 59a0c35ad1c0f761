export interface TokenBucket {
  tokens: number;
  updatedAtMs: number;
}

export interface TakeTokenResult {
  allowed: boolean;
  bucket: TokenBucket;
  /** How long until one token is back; 0 when allowed. */
  retryAfterMs: number;
}

/** A bucket of `limitPerMinute` tokens refilled continuously: bursts up to the limit, then the steady rate. */
export function takeToken(previous: TokenBucket | undefined, limitPerMinute: number, nowMs: number): TakeTokenResult {
  const ratePerMs = limitPerMinute / 60_000;
  const elapsedMs = previous ? Math.max(0, nowMs - previous.updatedAtMs) : 0;
  const tokens = previous ? Math.min(limitPerMinute, previous.tokens + elapsedMs * ratePerMs) : limitPerMinute;
  if (tokens >= 1) return { allowed: true, bucket: { tokens: tokens - 1, updatedAtMs: nowMs }, retryAfterMs: 0 };
  return { allowed: false, bucket: { tokens, updatedAtMs: nowMs }, retryAfterMs: Math.ceil((1 - tokens) / ratePerMs) };
}
