import type { SqlRunner } from "../../storage";

/**
 * Nonces of this agent, each kept until its request's timestamp leaves the skew window. A row is
 * keyed by (expiry, nonce): the expiry comes from the signed timestamp, so a replayed request
 * (same signature, same timestamp, same nonce) finds its row, and expired rows are the key's
 * prefix, deleted by range with no index beside the key (one row written per request), at most
 * once every `PRUNE_INTERVAL_MS`: a nonce kept a little past its window refuses nothing a fresh
 * timestamp could carry, and a busy sender's requests do not each run a delete.
 */
const PRUNE_INTERVAL_MS = 1_000;

export function createNonceStore(db: SqlRunner) {
  let prunedAtMs = Number.NEGATIVE_INFINITY;
  return {
    /** True when the nonce is fresh (and now recorded); false when it is still inside its window. */
    checkAndRecord(nonce: string, expiresAtMs: number): boolean {
      const written = db.first(
        "INSERT INTO nonces (expires_at_ms, nonce) VALUES (?, ?) ON CONFLICT DO NOTHING RETURNING nonce",
        expiresAtMs,
        nonce,
      );
      return written !== undefined;
    },
    /** Every expired nonce, in one ranged delete: at most the requests of one timestamp window. */
    prune(nowMs: number): void {
      if (nowMs >= prunedAtMs && nowMs < prunedAtMs + PRUNE_INTERVAL_MS) return;
      db.run("DELETE FROM nonces WHERE expires_at_ms <= ?", nowMs);
      prunedAtMs = nowMs;
    },
    count(): number {
      return db.first<{ n: number }>("SELECT COUNT(*) AS n FROM nonces")?.n ?? 0;
    },
  };
}
export type NonceStore = ReturnType<typeof createNonceStore>;
