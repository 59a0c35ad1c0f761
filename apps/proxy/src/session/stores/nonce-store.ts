import type { SqlRunner } from "../../storage";

/** How many expired nonces one request clears, so pruning never costs more than a few rows. */
const PRUNE_BATCH = 32;

/** Nonces of this agent, each kept until its request's timestamp leaves the skew window. */
export function createNonceStore(db: SqlRunner) {
  return {
    /** True when the nonce is fresh (and now recorded); false when it is still inside its window. */
    checkAndRecord(nonce: string, expiresAtMs: number, nowMs: number): boolean {
      const written = db.first(
        `INSERT INTO nonces (nonce, expires_at_ms) VALUES (?, ?)
         ON CONFLICT (nonce) DO UPDATE SET expires_at_ms = excluded.expires_at_ms WHERE nonces.expires_at_ms <= ?
         RETURNING nonce`,
        nonce,
        expiresAtMs,
        nowMs,
      );
      return written !== undefined;
    },
    prune(nowMs: number, limit = PRUNE_BATCH): void {
      db.run(
        "DELETE FROM nonces WHERE nonce IN (SELECT nonce FROM nonces WHERE expires_at_ms <= ? LIMIT ?)",
        nowMs,
        limit,
      );
    },
    count(): number {
      return db.first<{ n: number }>("SELECT COUNT(*) AS n FROM nonces")?.n ?? 0;
    },
  };
}
export type NonceStore = ReturnType<typeof createNonceStore>;
