import type { PersonalAccessToken } from "@clawdentity/protocol";
import { toIsoTimestamp } from "@clawdentity/sdk";
import { type SqlGuard, toGuardedInsert } from "./guarded-insert";
import type { OwnerRow } from "./owner-store";
import { toNullableIsoTimestamp } from "./row-timestamps";

export interface TokenRow {
  id: string;
  owner_id: string;
  name: string;
  token_hash: string;
  created_at: number;
  expires_at: number | null;
  last_used_at: number | null;
  revoked_at: number | null;
}

export function toTokenInsert(db: D1Database, row: TokenRow, guard?: SqlGuard): D1PreparedStatement {
  return toGuardedInsert(db, "personal_access_tokens", { ...row }, guard);
}

/** The token and its owner in one round trip: this runs on every authenticated request. */
export async function findTokenWithOwner(
  db: D1Database,
  tokenId: string,
): Promise<{ token: TokenRow; owner: OwnerRow } | null> {
  const row = await db
    .prepare(
      `SELECT t.*, o.did AS owner_did, o.display_name AS owner_display_name, o.role AS owner_role,
              o.created_at AS owner_created_at
       FROM personal_access_tokens t JOIN owners o ON o.id = t.owner_id WHERE t.id = ?`,
    )
    .bind(tokenId)
    .first<
      TokenRow & {
        owner_did: string;
        owner_display_name: string;
        owner_role: OwnerRow["role"];
        owner_created_at: number;
      }
    >();
  if (!row) return null;
  const { owner_did, owner_display_name, owner_role, owner_created_at, ...token } = row;
  return {
    token,
    owner: {
      id: token.owner_id,
      did: owner_did,
      display_name: owner_display_name,
      role: owner_role,
      created_at: owner_created_at,
    },
  };
}

export async function listTokens(db: D1Database, ownerId: string): Promise<TokenRow[]> {
  const { results } = await db
    .prepare("SELECT * FROM personal_access_tokens WHERE owner_id = ? ORDER BY id DESC")
    .bind(ownerId)
    .all<TokenRow>();
  return results;
}

/** Revokes once; revoking again keeps the first timestamp. Null when the owner has no such token. */
export async function revokeToken(
  db: D1Database,
  input: { id: string; ownerId: string; nowMs: number },
): Promise<TokenRow | null> {
  return db
    .prepare(
      `UPDATE personal_access_tokens SET revoked_at = COALESCE(revoked_at, ?)
       WHERE id = ? AND owner_id = ? RETURNING *`,
    )
    .bind(input.nowMs, input.id, input.ownerId)
    .first<TokenRow>();
}

/** Records use at most once per `granularityMs`, so busy tokens do not write on every request. */
export async function touchToken(
  db: D1Database,
  input: { id: string; nowMs: number; granularityMs: number },
): Promise<void> {
  await db
    .prepare(
      `UPDATE personal_access_tokens SET last_used_at = ?
       WHERE id = ? AND (last_used_at IS NULL OR last_used_at < ?)`,
    )
    .bind(input.nowMs, input.id, input.nowMs - input.granularityMs)
    .run();
}

export function toPersonalAccessToken(row: TokenRow): PersonalAccessToken {
  return {
    id: row.id,
    name: row.name,
    createdAt: toIsoTimestamp(row.created_at),
    expiresAt: toNullableIsoTimestamp(row.expires_at),
    lastUsedAt: toNullableIsoTimestamp(row.last_used_at),
    revokedAt: toNullableIsoTimestamp(row.revoked_at),
  };
}
