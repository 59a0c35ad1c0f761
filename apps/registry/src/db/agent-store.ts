import {
  type Agent,
  type AgentRenewal,
  type AgentStatus,
  type ResolvedAgent,
  resolvedAgentSchema,
} from "@clawdentity/protocol";
import { DAY_MS, toIsoTimestamp } from "@clawdentity/sdk";
import { type SqlGuard, toGuardedInsert } from "./guarded-insert";
import { toNullableIsoTimestamp } from "./row-timestamps";

export interface AgentRow {
  id: string;
  did: string;
  owner_id: string;
  name: string;
  framework: string;
  public_key: string;
  status: AgentStatus;
  current_jti: string;
  /** The current AIT as issued (migration 0003); NULL on older rows. */
  current_ait: string | null;
  ttl_days: number;
  /** NULL on a row an older Worker wrote: `ttl_days` days. */
  ttl_seconds: number | null;
  ait_expires_at: number;
  /** Owner policy (migration 0002): 1 = the agent may renew its own AIT. */
  self_renewal: number;
  max_lifetime_days: number;
  /** The owner's last registration or reissue; NULL: `created_at`. */
  lifetime_started_at: number | null;
  change_id: string;
  created_at: number;
  updated_at: number;
  revoked_at: number | null;
  /** Federation (migration 0004): the proxy that attested the agent's last connect, and its time (unix s). */
  home_proxy_kid: string | null;
  home_connected_at: number | null;
}

/** An agent with its owner's DID, which every answer about it carries. */
export type AgentView = AgentRow & { owner_did: string; home_origin: string | null };

/** A home proxy counts only while its key is active: a revoked proxy is nobody's home. */
const SELECT_AGENT_VIEW = `SELECT a.*, o.did AS owner_did, p.origin AS home_origin
  FROM agents a JOIN owners o ON o.id = a.owner_id
  LEFT JOIN proxies p ON p.kid = a.home_proxy_kid AND p.status = 'active'`;

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

/**
 * What would make a registration collide: an active same-named agent of this owner, or the key
 * already used (now, or by an agent that rotated away from it).
 */
export async function findAgentConflict(
  db: D1Database,
  input: { ownerId: string; name: string; publicKey: string },
): Promise<"name" | "key" | null> {
  const row = await db
    .prepare(
      `SELECT 1 AS same_key FROM retired_agent_keys WHERE public_key = ?3
       UNION ALL
       SELECT public_key = ?3 AS same_key FROM agents
       WHERE public_key = ?3 OR (owner_id = ?1 AND name = ?2 AND status = 'active') LIMIT 1`,
    )
    .bind(input.ownerId, input.name, input.publicKey)
    .first<{ same_key: number }>();
  if (!row) return null;
  return row.same_key ? "key" : "name";
}

/** True when the key belongs or ever belonged to an agent. */
export async function isAgentKeyTaken(db: D1Database, publicKey: string): Promise<boolean> {
  const row = await db
    .prepare(
      `SELECT 1 AS taken FROM agents WHERE public_key = ?1
       UNION ALL SELECT 1 FROM retired_agent_keys WHERE public_key = ?1 LIMIT 1`,
    )
    .bind(publicKey)
    .first<{ taken: number }>();
  return row !== null;
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

export const toTtlSeconds = (row: AgentRow): number => row.ttl_seconds ?? row.ttl_days * 86_400;
export const toLifetimeStartedAt = (row: AgentRow): number => row.lifetime_started_at ?? row.created_at;
/** No self-renewed AIT of the agent expires after this. */
export const toRenewableUntil = (row: AgentRow): number => toLifetimeStartedAt(row) + row.max_lifetime_days * DAY_MS;

/**
 * Swaps the current AIT id if it is still `oldJti` on an active agent; the owner acted, so the
 * agent's lifetime starts again.
 */
export function toAgentReissue(
  db: D1Database,
  input: {
    id: string;
    oldJti: string;
    newJti: string;
    ait: string;
    ttlSeconds: number;
    aitExpiresAt: number;
    changeId: string;
    nowMs: number;
  },
): D1PreparedStatement {
  return db
    .prepare(
      `UPDATE agents SET current_jti = ?, current_ait = ?, ttl_days = ?, ttl_seconds = ?, ait_expires_at = ?,
         lifetime_started_at = ?, change_id = ?, updated_at = ?
       WHERE id = ? AND status = 'active' AND current_jti = ?`,
    )
    .bind(
      input.newJti,
      input.ait,
      Math.floor(input.ttlSeconds / 86_400),
      input.ttlSeconds,
      input.aitExpiresAt,
      input.nowMs,
      input.changeId,
      input.nowMs,
      input.id,
      input.oldJti,
    );
}

/**
 * The agent's own renewal: swaps the current AIT id (and the key, when rotated) only if the AIT
 * is still `oldJti`, the agent active, the policy the one the request was checked against, and a
 * new key belongs to no agent, now or before. Changes no row otherwise.
 */
export function toAgentRenewal(
  db: D1Database,
  input: {
    id: string;
    oldJti: string;
    newJti: string;
    ait: string;
    publicKey: string;
    aitExpiresAt: number;
    maxLifetimeDays: number;
    changeId: string;
    nowMs: number;
  },
): D1PreparedStatement {
  return db
    .prepare(
      `UPDATE agents SET current_jti = ?1, public_key = ?2, ait_expires_at = ?3, change_id = ?4, updated_at = ?5,
         current_ait = ?9
       WHERE id = ?6 AND status = 'active' AND current_jti = ?7 AND self_renewal = 1 AND max_lifetime_days = ?8
         AND NOT EXISTS (SELECT 1 FROM retired_agent_keys WHERE public_key = ?2)`,
    )
    .bind(
      input.newJti,
      input.publicKey,
      input.aitExpiresAt,
      input.changeId,
      input.nowMs,
      input.id,
      input.oldJti,
      input.maxLifetimeDays,
      input.ait,
    );
}

/** Sets the owner's renewal policy of an active agent. */
export function toAgentPolicyUpdate(
  db: D1Database,
  input: { id: string; selfRenewal: boolean; maxLifetimeDays: number; nowMs: number },
): D1PreparedStatement {
  return db
    .prepare(
      `UPDATE agents SET self_renewal = ?, max_lifetime_days = ?, updated_at = ?
       WHERE id = ? AND status = 'active'`,
    )
    .bind(input.selfRenewal ? 1 : 0, input.maxLifetimeDays, input.nowMs, input.id);
}

/** Keeps a key the agent rotated away from, so it never registers again. */
export function toRetiredKeyInsert(
  db: D1Database,
  row: { public_key: string; agent_id: string; retired_at: number },
  guard: SqlGuard,
): D1PreparedStatement {
  return toGuardedInsert(db, "retired_agent_keys", { ...row }, guard);
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

export function toAgentRenewalPolicy(row: AgentRow): AgentRenewal {
  return {
    selfRenewal: row.self_renewal === 1,
    maxLifetimeDays: row.max_lifetime_days,
    lifetimeStartedAt: toIsoTimestamp(toLifetimeStartedAt(row)),
    renewableUntil: toIsoTimestamp(toRenewableUntil(row)),
  };
}

export function toAgent(row: AgentView): Agent {
  const ttlSeconds = toTtlSeconds(row);
  return {
    id: row.id,
    did: row.did,
    ownerDid: row.owner_did,
    name: row.name,
    framework: row.framework,
    publicKey: row.public_key,
    status: row.status,
    currentJti: row.current_jti,
    ttlDays: Math.floor(ttlSeconds / 86_400),
    ttlSeconds,
    aitExpiresAt: toIsoTimestamp(row.ait_expires_at),
    renewal: toAgentRenewalPolicy(row),
    createdAt: toIsoTimestamp(row.created_at),
    updatedAt: toIsoTimestamp(row.updated_at),
    revokedAt: toNullableIsoTimestamp(row.revoked_at),
  };
}

/** The public subset of `toAgent`: the schema drops every field the owner alone may see. */
export function toResolvedAgent(row: AgentView): ResolvedAgent {
  const homeProxy = row.home_origin && row.home_proxy_kid ? { origin: row.home_origin, kid: row.home_proxy_kid } : null;
  return resolvedAgentSchema.parse({ ...toAgent(row), homeProxy });
}
