import type { ProxyRecord, ProxyStatus } from "@clawdentity/protocol";
import { toIsoTimestamp } from "@clawdentity/sdk";
import { toNullableIsoTimestamp } from "./row-timestamps";

export interface ProxyRow {
  kid: string;
  origin: string;
  public_key: string;
  status: ProxyStatus;
  created_by_owner_id: string;
  created_at: number;
  revoked_at: number | null;
}

export function toProxyRecord(row: ProxyRow): ProxyRecord {
  return {
    kid: row.kid,
    origin: row.origin,
    publicKey: row.public_key,
    status: row.status,
    createdAt: toIsoTimestamp(row.created_at),
    revokedAt: toNullableIsoTimestamp(row.revoked_at),
  };
}

/** False when that key (hence that kid) is or was registered. */
export async function insertProxy(db: D1Database, row: ProxyRow): Promise<boolean> {
  const result = await db
    .prepare(
      `INSERT INTO proxies (kid, origin, public_key, status, created_by_owner_id, created_at, revoked_at)
       VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
    )
    .bind(row.kid, row.origin, row.public_key, row.status, row.created_by_owner_id, row.created_at, row.revoked_at)
    .run();
  return result.meta.changes > 0;
}

export async function findProxy(db: D1Database, kid: string): Promise<ProxyRow | null> {
  return db.prepare("SELECT * FROM proxies WHERE kid = ?").bind(kid).first<ProxyRow>();
}

export async function listProxies(db: D1Database): Promise<ProxyRow[]> {
  const { results } = await db.prepare("SELECT * FROM proxies ORDER BY created_at DESC, kid LIMIT 500").all<ProxyRow>();
  return results;
}

/** Idempotent: a revoked key keeps its first revocation time. */
export async function revokeProxyRow(db: D1Database, input: { kid: string; nowMs: number }): Promise<void> {
  await db
    .prepare("UPDATE proxies SET status = 'revoked', revoked_at = ? WHERE kid = ? AND status = 'active'")
    .bind(input.nowMs, input.kid)
    .run();
}

/**
 * Records `kid` as the agent's home unless an active proxy attested a later connect: a delayed or
 * replayed attestation never moves an agent back, and a revoked proxy is nobody's home. True when
 * this attestation is the one recorded.
 */
export async function recordHomeProxy(
  db: D1Database,
  input: { agentId: string; kid: string; connectedAt: number },
): Promise<boolean> {
  const result = await db
    .prepare(
      `UPDATE agents SET home_proxy_kid = ?1, home_connected_at = ?2
       WHERE id = ?3 AND status = 'active' AND (
         home_connected_at IS NULL OR home_connected_at <= ?2
         OR home_proxy_kid NOT IN (SELECT kid FROM proxies WHERE status = 'active'))`,
    )
    .bind(input.kid, input.connectedAt, input.agentId)
    .run();
  return result.meta.changes > 0;
}
