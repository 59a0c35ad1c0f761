import type { RevocationEntry } from "@clawdentity/protocol";
import { toUnixSeconds } from "@clawdentity/sdk";
import { type SqlGuard, toGuardedInsert } from "./guarded-insert";

export interface RevocationRow {
  jti: string;
  agent_id: string;
  agent_did: string;
  reason: string;
  revoked_at: number;
}

export function toRevocationInsert(db: D1Database, row: RevocationRow, guard?: SqlGuard): D1PreparedStatement {
  return toGuardedInsert(db, "revocations", { ...row }, guard);
}

export async function listRevocations(db: D1Database): Promise<RevocationEntry[]> {
  const { results } = await db
    .prepare("SELECT jti, agent_did, reason, revoked_at FROM revocations ORDER BY revoked_at, jti")
    .all<Pick<RevocationRow, "jti" | "agent_did" | "reason" | "revoked_at">>();
  return results.map((row) => ({
    jti: row.jti,
    agentDid: row.agent_did,
    reason: row.reason,
    revokedAt: toUnixSeconds(row.revoked_at),
  }));
}

export async function findRevocation(
  db: D1Database,
  jti: string,
): Promise<Pick<RevocationRow, "reason" | "revoked_at"> | null> {
  return db
    .prepare("SELECT reason, revoked_at FROM revocations WHERE jti = ?")
    .bind(jti)
    .first<Pick<RevocationRow, "reason" | "revoked_at">>();
}

/** True when an AIT of the agent was revoked since `sinceMs` for a reason other than `reason` (the owner acted). */
export async function hasRevocationOtherThan(
  db: D1Database,
  input: { agentId: string; sinceMs: number; reason: string },
): Promise<boolean> {
  const row = await db
    .prepare("SELECT 1 AS found FROM revocations WHERE agent_id = ? AND revoked_at >= ? AND reason <> ? LIMIT 1")
    .bind(input.agentId, input.sinceMs, input.reason)
    .first();
  return row !== null;
}
