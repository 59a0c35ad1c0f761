import type { SqlRunner } from "../../storage";
import type { TokenBucket } from "../policy/token-bucket";

type BucketRow = { tokens: number; updated_at_ms: number };

/** One token bucket per scope (a trusted peer, or the shared scope for everyone else). */
export function createRateLimitStore(db: SqlRunner) {
  return {
    get(scope: string): TokenBucket | undefined {
      const row = db.first<BucketRow>("SELECT tokens, updated_at_ms FROM rate_buckets WHERE scope = ?", scope);
      return row && { tokens: row.tokens, updatedAtMs: row.updated_at_ms };
    },
    put(scope: string, bucket: TokenBucket): void {
      db.run(
        `INSERT INTO rate_buckets (scope, tokens, updated_at_ms) VALUES (?, ?, ?)
         ON CONFLICT (scope) DO UPDATE SET tokens = excluded.tokens, updated_at_ms = excluded.updated_at_ms`,
        scope,
        bucket.tokens,
        bucket.updatedAtMs,
      );
    },
    delete(scope: string): void {
      db.run("DELETE FROM rate_buckets WHERE scope = ?", scope);
    },
  };
}
export type RateLimitStore = ReturnType<typeof createRateLimitStore>;
