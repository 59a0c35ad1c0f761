import {
  formatDid,
  type OwnerRole,
  type OwnerSessionResponse,
  PERSONAL_ACCESS_TOKEN_PREFIX,
} from "@clawdentity/protocol";
import { createUlid } from "@clawdentity/sdk";
import { createSecretToken } from "../auth";
import {
  type OwnerRow,
  ownerExistsGuard,
  type SqlGuard,
  type TokenRow,
  toOwner,
  toOwnerInsert,
  toPersonalAccessToken,
  toTokenInsert,
} from "../db";

export interface PendingOwnerSession {
  owner: OwnerRow;
  /** Owner insert (guarded by the caller's condition) then token insert (guarded by the owner existing). */
  statements: D1PreparedStatement[];
  toResponse(): OwnerSessionResponse;
}

/** A new owner with a first personal access token, as statements for the caller's batch. */
export async function createOwnerSession(
  db: D1Database,
  input: {
    ownerId?: string;
    didAuthority: string;
    role: OwnerRole;
    displayName: string;
    tokenName: string;
    nowMs: number;
    guard?: SqlGuard;
  },
): Promise<PendingOwnerSession> {
  const ownerId = input.ownerId ?? createUlid(input.nowMs);
  const owner: OwnerRow = {
    id: ownerId,
    did: formatDid({ authority: input.didAuthority, entity: "human", id: ownerId }),
    display_name: input.displayName,
    role: input.role,
    created_at: input.nowMs,
  };
  const secret = await createSecretToken(PERSONAL_ACCESS_TOKEN_PREFIX, input.nowMs);
  const token: TokenRow = {
    id: secret.id,
    owner_id: ownerId,
    name: input.tokenName,
    token_hash: secret.hash,
    created_at: input.nowMs,
    expires_at: null,
    last_used_at: null,
    revoked_at: null,
  };
  return {
    owner,
    statements: [toOwnerInsert(db, owner, input.guard), toTokenInsert(db, token, ownerExistsGuard(ownerId))],
    toResponse: () => ({ owner: toOwner(owner), token: toPersonalAccessToken(token), secret: secret.value }),
  };
}
