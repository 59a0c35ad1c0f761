import type { SqlRunner } from "../../storage";

/** `target` of a revocation of the whole agent; any other target is one AIT `jti`. */
export const WHOLE_AGENT = "*";

export interface Revocation {
  target: string;
  reason: string;
  revokedAtMs: number;
}

type RevocationRow = { target: string; reason: string; revoked_at_ms: number };

/**
 * The agent's revocations (the AITs it replaced, or the agent itself), asked on every request it
 * makes and every message it is sent. They are few and only `record` adds one, so they are read
 * once and held; `forget` drops them when a transaction rolled back.
 */
export function createRevocationStore(db: SqlRunner) {
  let held: Map<string, Revocation> | undefined;
  const all = (): Map<string, Revocation> => {
    held ??= new Map(
      db
        .all<RevocationRow>("SELECT target, reason, revoked_at_ms FROM revocations")
        .map((row) => [row.target, { target: row.target, reason: row.reason, revokedAtMs: row.revoked_at_ms }]),
    );
    return held;
  };
  return {
    /** The revocation that refuses a request made with `jti`, if any (the whole agent's first). */
    findFor(jti: string): Revocation | undefined {
      const revocations = all();
      return revocations.get(WHOLE_AGENT) ?? revocations.get(jti);
    },
    isAgentRevoked(): boolean {
      return all().has(WHOLE_AGENT);
    },
    /** Records the revocation; false when that target was already revoked. */
    record(target: string, reason: string, nowMs: number): boolean {
      const inserted = db.first(
        "INSERT INTO revocations (target, reason, revoked_at_ms) VALUES (?, ?, ?) ON CONFLICT (target) DO NOTHING RETURNING target",
        target,
        reason,
        nowMs,
      );
      if (inserted) held?.set(target, { target, reason, revokedAtMs: nowMs });
      return inserted !== undefined;
    },
    forget(): void {
      held = undefined;
    },
  };
}
export type RevocationStore = ReturnType<typeof createRevocationStore>;
