import type { Invite, OwnerRole } from "@clawdentity/protocol";
import { toIsoTimestamp } from "@clawdentity/sdk";
import { toGuardedInsert } from "./guarded-insert";
import { toNullableIsoTimestamp } from "./row-timestamps";

export interface InviteRow {
  id: string;
  code_hash: string;
  role: OwnerRole;
  note: string | null;
  created_by_owner_id: string;
  created_at: number;
  expires_at: number;
  redeemed_at: number | null;
  redeemed_by_owner_id: string | null;
}

/** An invite with the DIDs of its creator and redeemer, as listed to admins. */
export type InviteView = InviteRow & { created_by_did: string; redeemed_by_did: string | null };

const SELECT_INVITE_VIEW = `SELECT i.*, c.did AS created_by_did, r.did AS redeemed_by_did
  FROM invites i JOIN owners c ON c.id = i.created_by_owner_id LEFT JOIN owners r ON r.id = i.redeemed_by_owner_id`;

export async function insertInvite(db: D1Database, row: InviteRow): Promise<void> {
  await toGuardedInsert(db, "invites", { ...row }).run();
}

export async function findInvite(db: D1Database, id: string): Promise<InviteRow | null> {
  return db.prepare("SELECT * FROM invites WHERE id = ?").bind(id).first<InviteRow>();
}

export async function findInviteView(db: D1Database, id: string): Promise<InviteView | null> {
  return db.prepare(`${SELECT_INVITE_VIEW} WHERE i.id = ?`).bind(id).first<InviteView>();
}

export async function listInviteViews(db: D1Database): Promise<InviteView[]> {
  const { results } = await db.prepare(`${SELECT_INVITE_VIEW} ORDER BY i.id DESC LIMIT 500`).all<InviteView>();
  return results;
}

/** Claims the invite for `ownerId`; changes no row when it was redeemed meanwhile or has expired. */
export function toInviteRedemption(
  db: D1Database,
  input: { id: string; ownerId: string; nowMs: number },
): D1PreparedStatement {
  return db
    .prepare(
      `UPDATE invites SET redeemed_at = ?, redeemed_by_owner_id = ?
       WHERE id = ? AND redeemed_at IS NULL AND expires_at > ?`,
    )
    .bind(input.nowMs, input.ownerId, input.id, input.nowMs);
}

export function toInvite(row: InviteView): Invite {
  return {
    id: row.id,
    role: row.role,
    note: row.note,
    createdByDid: row.created_by_did,
    createdAt: toIsoTimestamp(row.created_at),
    expiresAt: toIsoTimestamp(row.expires_at),
    redeemedAt: toNullableIsoTimestamp(row.redeemed_at),
    redeemedByDid: row.redeemed_by_did,
  };
}
