import type { Owner, OwnerRole } from "@clawdentity/protocol";
import { toIsoTimestamp } from "@clawdentity/sdk";
import { type SqlGuard, toGuardedInsert } from "./guarded-insert";

export interface OwnerRow {
  id: string;
  did: string;
  display_name: string;
  role: OwnerRole;
  created_at: number;
}

export function toOwnerInsert(db: D1Database, row: OwnerRow, guard?: SqlGuard): D1PreparedStatement {
  return toGuardedInsert(db, "owners", { ...row }, guard);
}

/** Guard for the first owner only: bootstrap must not create a second admin. */
export const NO_OWNER_YET: SqlGuard = { sql: "NOT EXISTS (SELECT 1 FROM owners)", params: [] };

export function ownerExistsGuard(ownerId: string): SqlGuard {
  return { sql: "EXISTS (SELECT 1 FROM owners WHERE id = ?)", params: [ownerId] };
}

export function toOwner(row: OwnerRow): Owner {
  return {
    id: row.id,
    did: row.did,
    displayName: row.display_name,
    role: row.role,
    createdAt: toIsoTimestamp(row.created_at),
  };
}
