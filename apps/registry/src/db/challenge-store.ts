import { toGuardedInsert } from "./guarded-insert";

export interface ChallengeRow {
  id: string;
  owner_id: string;
  public_key: string;
  nonce: string;
  created_at: number;
  expires_at: number;
  used_at: number | null;
  agent_id: string | null;
}

export async function insertChallenge(db: D1Database, row: ChallengeRow): Promise<void> {
  await toGuardedInsert(db, "agent_challenges", { ...row }).run();
}

export async function findChallenge(db: D1Database, id: string): Promise<ChallengeRow | null> {
  return db.prepare("SELECT * FROM agent_challenges WHERE id = ?").bind(id).first<ChallengeRow>();
}

/** Spends the challenge on `agentId`; changes no row if it was spent meanwhile or has expired. */
export function toChallengeConsumption(
  db: D1Database,
  input: { id: string; ownerId: string; agentId: string; nowMs: number },
): D1PreparedStatement {
  return db
    .prepare(
      `UPDATE agent_challenges SET used_at = ?, agent_id = ?
       WHERE id = ? AND owner_id = ? AND used_at IS NULL AND expires_at > ?`,
    )
    .bind(input.nowMs, input.agentId, input.id, input.ownerId, input.nowMs);
}

export function challengeSpentOnGuard(challengeId: string, agentId: string) {
  return {
    sql: "EXISTS (SELECT 1 FROM agent_challenges WHERE id = ? AND agent_id = ?)",
    params: [challengeId, agentId],
  };
}

export async function pruneChallenges(db: D1Database, expiredBeforeMs: number): Promise<number> {
  const result = await db.prepare("DELETE FROM agent_challenges WHERE expires_at < ?").bind(expiredBeforeMs).run();
  return result.meta.changes;
}
