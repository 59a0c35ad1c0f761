import {
  type CreatedInviteResponse,
  type CreateInviteRequest,
  INVITE_CODE_PREFIX,
  INVITE_DEFAULT_TTL_DAYS,
} from "@clawdentity/protocol";
import { DAY_MS } from "@clawdentity/sdk";
import { createSecretToken } from "../auth";
import type { RegistryContext } from "../context";
import { type InviteRow, insertInvite, type OwnerRow, toInvite } from "../db";

export async function createInvite(
  context: RegistryContext,
  input: { creator: OwnerRow; request: CreateInviteRequest },
): Promise<CreatedInviteResponse> {
  const { db, clock } = context;
  const nowMs = clock.nowMs();
  const code = await createSecretToken(INVITE_CODE_PREFIX, nowMs);
  const row: InviteRow = {
    id: code.id,
    code_hash: code.hash,
    role: input.request.role ?? "member",
    note: input.request.note ?? null,
    created_by_owner_id: input.creator.id,
    created_at: nowMs,
    expires_at: nowMs + (input.request.expiresInDays ?? INVITE_DEFAULT_TTL_DAYS) * DAY_MS,
    redeemed_at: null,
    redeemed_by_owner_id: null,
  };
  await insertInvite(db, row);
  return { invite: toInvite({ ...row, created_by_did: input.creator.did, redeemed_by_did: null }), code: code.value };
}
