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

export interface TakeTokensResult extends TakeTokenResult {
  /** Tokens taken: at most the number wanted, fewer when the bucket holds fewer whole tokens. */
  granted: number;
}

/** A bucket of `limitPerMinute` tokens refilled continuously: bursts up to the limit, then the steady rate. */
export function takeToken(previous: TokenBucket | undefined, limitPerMinute: number, nowMs: number): TakeTokenResult {
  const { allowed, bucket, retryAfterMs } = takeTokens(previous, limitPerMinute, nowMs, 1);
  return { allowed, bucket, retryAfterMs };
}

/**
 * Takes up to `wanted` whole tokens at once (a batch of messages): what the bucket holds is
 * granted, so a batch larger than what is left is partly allowed. `retryAfterMs` is the wait for
 * one more token when fewer than wanted were granted.
 */
export function takeTokens(
  previous: TokenBucket | undefined,
  limitPerMinute: number,
  nowMs: number,
  wanted: number,
): TakeTokensResult {
  const ratePerMs = limitPerMinute / 60_000;
  const elapsedMs = previous ? Math.max(0, nowMs - previous.updatedAtMs) : 0;
  const tokens = previous ? Math.min(limitPerMinute, previous.tokens + elapsedMs * ratePerMs) : limitPerMinute;
  const granted = Math.min(wanted, Math.floor(tokens));
  const left = tokens - granted;
  const retryAfterMs = granted < wanted ? Math.ceil((1 - left) / ratePerMs) : 0;
  return { allowed: granted > 0, granted, bucket: { tokens: left, updatedAtMs: nowMs }, retryAfterMs };
}
