import type { SqlRunner } from "../../storage";

/**
 * Nonces of this agent, each kept until its request's timestamp leaves the skew window. A row is
 * keyed by (expiry, nonce): the expiry comes from the signed timestamp, so a replayed request
 * (same signature, same timestamp, same nonce) finds its row, and expired rows are the key's
 * prefix, deleted by range with no index beside the key (one row written per request).
 */
export function createNonceStore(db: SqlRunner) {
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
      db.run("DELETE FROM nonces WHERE expires_at_ms <= ?", nowMs);
    },
    count(): number {
      return db.first<{ n: number }>("SELECT COUNT(*) AS n FROM nonces")?.n ?? 0;
    },
  };
}
export type NonceStore = ReturnType<typeof createNonceStore>;
