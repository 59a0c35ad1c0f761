/**
 * Records a nonce of an agent-signed request once; false when it is still live from an earlier
 * request. An expired row (the cron had not pruned it yet) is taken over.
 */
export async function spendAgentNonce(
  db: D1Database,
  input: { agentDid: string; nonce: string; expiresAtMs: number; nowMs: number },
): Promise<boolean> {
  const result = await db
    .prepare(
      `INSERT INTO agent_request_nonces (agent_did, nonce, expires_at) VALUES (?1, ?2, ?3)
       ON CONFLICT (agent_did, nonce) DO UPDATE SET expires_at = excluded.expires_at
       WHERE agent_request_nonces.expires_at <= ?4`,
    )
    .bind(input.agentDid, input.nonce, input.expiresAtMs, input.nowMs)
    .run();
  return result.meta.changes === 1;
}

/** Deletes nonces whose timestamp window has passed; returns how many. */
export async function pruneAgentNonces(db: D1Database, nowMs: number): Promise<number> {
  const result = await db.prepare("DELETE FROM agent_request_nonces WHERE expires_at <= ?").bind(nowMs).run();
  return result.meta.changes;
}
