import { type Agent, type AgentStatus, type ResolvedAgent, resolvedAgentSchema } from "@clawdentity/protocol";
import { toIsoTimestamp, toNullableIsoTimestamp } from "../clock";
import { type SqlGuard, toGuardedInsert } from "./guarded-insert";

export interface AgentRow {
  id: string;
  did: string;
  owner_id: string;
  name: string;
  framework: string;
  public_key: string;
  status: AgentStatus;
  current_jti: string;
  ttl_days: number;
  ait_expires_at: number;
  change_id: string;
  created_at: number;
  updated_at: number;
  revoked_at: number | null;
}

/** An agent with its owner's DID, which every answer about it carries. */
export type AgentView = AgentRow & { owner_did: string };

const SELECT_AGENT_VIEW = "SELECT a.*, o.did AS owner_did FROM agents a JOIN owners o ON o.id = a.owner_id";

export function toAgentInsert(db: D1Database, row: AgentRow, guard?: SqlGuard): D1PreparedStatement {
  return toGuardedInsert(db, "agents", { ...row }, guard);
}

export async function findAgentView(
  db: D1Database,
  where: { id: string } | { did: string },
): Promise<AgentView | null> {
  const [column, value] = "id" in where ? ["a.id", where.id] : ["a.did", where.did];
  return db.prepare(`${SELECT_AGENT_VIEW} WHERE ${column} = ?`).bind(value).first<AgentView>();
}

/** What would make a registration collide: an active same-named agent of this owner, or the key already used. */
export async function findAgentConflict(
  db: D1Database,
  input: { ownerId: string; name: string; publicKey: string },
): Promise<"name" | "key" | null> {
  const row = await db
    .prepare(
      `SELECT public_key = ?3 AS same_key FROM agents
       WHERE public_key = ?3 OR (owner_id = ?1 AND name = ?2 AND status = 'active') LIMIT 1`,
    )
    .bind(input.ownerId, input.name, input.publicKey)
    .first<{ same_key: number }>();
  if (!row) return null;
  return row.same_key ? "key" : "name";
}

export async function listAgentViews(
  db: D1Database,
  input: { ownerId: string; limit: number; cursor?: string; status?: AgentStatus },
): Promise<AgentView[]> {
  const { results } = await db
    .prepare(
      `${SELECT_AGENT_VIEW} WHERE a.owner_id = ?1 AND (?2 IS NULL OR a.id < ?2) AND (?3 IS NULL OR a.status = ?3)
       ORDER BY a.id DESC LIMIT ?4`,
    )
    .bind(input.ownerId, input.cursor ?? null, input.status ?? null, input.limit)
    .all<AgentView>();
  return results;
}

/** Swaps the current AIT id if it is still `oldJti` on an active agent. */
export function toAgentReissue(
  db: D1Database,
  input: {
    id: string;
    oldJti: string;
    newJti: string;
    ttlDays: number;
    aitExpiresAt: number;
    changeId: string;
    nowMs: number;
  },
): D1PreparedStatement {
  return db
    .prepare(
      `UPDATE agents SET current_jti = ?, ttl_days = ?, ait_expires_at = ?, change_id = ?, updated_at = ?
       WHERE id = ? AND status = 'active' AND current_jti = ?`,
    )
    .bind(input.newJti, input.ttlDays, input.aitExpiresAt, input.changeId, input.nowMs, input.id, input.oldJti);
}

/** Marks an active agent revoked; changes no row when it was revoked already. */
export function toAgentRevocation(
  db: D1Database,
  input: { id: string; jti: string; changeId: string; nowMs: number },
): D1PreparedStatement {
  return db
    .prepare(
      `UPDATE agents SET status = 'revoked', revoked_at = ?, change_id = ?, updated_at = ?
       WHERE id = ? AND status = 'active' AND current_jti = ?`,
    )
    .bind(input.nowMs, input.changeId, input.nowMs, input.id, input.jti);
}

/** Holds only if the batch's own agent update applied. */
export function agentChangedGuard(agentId: string, changeId: string): SqlGuard {
  return { sql: "EXISTS (SELECT 1 FROM agents WHERE id = ? AND change_id = ?)", params: [agentId, changeId] };
}

export function toAgent(row: AgentView): Agent {
  return {
    id: row.id,
    did: row.did,
    ownerDid: row.owner_did,
    name: row.name,
    framework: row.framework,
    publicKey: row.public_key,
    status: row.status,
    currentJti: row.current_jti,
    ttlDays: row.ttl_days,
    aitExpiresAt: toIsoTimestamp(row.ait_expires_at),
    createdAt: toIsoTimestamp(row.created_at),
    updatedAt: toIsoTimestamp(row.updated_at),
    revokedAt: toNullableIsoTimestamp(row.revoked_at),
  };
}

/** The public subset of `toAgent`: the schema drops every field the owner alone may see. */
export function toResolvedAgent(row: AgentView): ResolvedAgent {
  return resolvedAgentSchema.parse(toAgent(row));
}
