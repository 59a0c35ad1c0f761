import type { SqlRunner } from "../../storage";
import { type TokenBucket, takeToken } from "../policy/token-bucket";

export type RateTake = { allowed: true } | { allowed: false; retryAfterSeconds: number };

type BucketRow = { tokens: number; updated_at_ms: number };

/**
 * One token bucket per scope: the agent's own sending rate, and its limits on each peer's inbound
 * rate. A bucket is read once and then held (one scope per trusted peer at most): every take
 * writes it, and `forget` drops what is held when a transaction rolled back.
 */
export function createRateLimitStore(db: SqlRunner) {
  const held = new Map<string, TokenBucket | undefined>();
  return {
    /** Takes one token of `scope` at `limitPerMinute`, storing the bucket either way. */
    take(scope: string, limitPerMinute: number, nowMs: number): RateTake {
      const taken = takeToken(this.get(scope), limitPerMinute, nowMs);
      this.put(scope, taken.bucket);
      if (taken.allowed) return { allowed: true };
      return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(taken.retryAfterMs / 1000)) };
    },
    get(scope: string): TokenBucket | undefined {
      if (held.has(scope)) return held.get(scope);
      const row = db.first<BucketRow>("SELECT tokens, updated_at_ms FROM rate_buckets WHERE scope = ?", scope);
      const bucket = row && { tokens: row.tokens, updatedAtMs: row.updated_at_ms };
      held.set(scope, bucket);
      return bucket;
    },
    put(scope: string, bucket: TokenBucket): void {
      db.run(
        `INSERT INTO rate_buckets (scope, tokens, updated_at_ms) VALUES (?, ?, ?)
         ON CONFLICT (scope) DO UPDATE SET tokens = excluded.tokens, updated_at_ms = excluded.updated_at_ms`,
        scope,
        bucket.tokens,
        bucket.updatedAtMs,
      );
      held.set(scope, bucket);
    },
    delete(scope: string): void {
      db.run("DELETE FROM rate_buckets WHERE scope = ?", scope);
      held.delete(scope);
    },
    forget(): void {
      held.clear();
    },
  };
}
export type RateLimitStore = ReturnType<typeof createRateLimitStore>;
