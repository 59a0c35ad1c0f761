import type { SqlRunner } from "../../storage";

/** `target` of a revocation of the whole agent; any other target is one AIT `jti`. */
export const WHOLE_AGENT = "*";

export interface Revocation {
  target: string;
  reason: string;
  revokedAtMs: number;
}

type RevocationRow = { target: string; reason: string; revoked_at_ms: number };

export function createRevocationStore(db: SqlRunner) {
  const toRevocation = (row: RevocationRow): Revocation => ({
    target: row.target,
    reason: row.reason,
    revokedAtMs: row.revoked_at_ms,
  });
  return {
    /** The revocation that refuses a request made with `jti`, if any. */
    findFor(jti: string): Revocation | undefined {
      const row = db.first<RevocationRow>(
        "SELECT target, reason, revoked_at_ms FROM revocations WHERE target IN (?, ?) LIMIT 1",
        WHOLE_AGENT,
        jti,
      );
      return row && toRevocation(row);
    },
    isAgentRevoked(): boolean {
      return db.first("SELECT 1 AS one FROM revocations WHERE target = ?", WHOLE_AGENT) !== undefined;
    },
    /** Records the revocation; false when that target was already revoked. */
    record(target: string, reason: string, nowMs: number): boolean {
      const inserted = db.first(
        "INSERT INTO revocations (target, reason, revoked_at_ms) VALUES (?, ?, ?) ON CONFLICT (target) DO NOTHING RETURNING target",
        target,
        reason,
        nowMs,
      );
      return inserted !== undefined;
    },
  };
}
export type RevocationStore = ReturnType<typeof createRevocationStore>;
