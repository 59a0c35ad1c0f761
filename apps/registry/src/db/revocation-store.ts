import type { RevocationEntry } from "@clawdentity/protocol";
import { toUnixSeconds } from "../clock";
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

export async function isJtiRevoked(db: D1Database, jti: string): Promise<boolean> {
  return (await db.prepare("SELECT 1 AS revoked FROM revocations WHERE jti = ?").bind(jti).first()) !== null;
}
