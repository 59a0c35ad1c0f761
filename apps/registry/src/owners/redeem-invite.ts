import { INVITE_CODE_PREFIX, type OwnerSessionResponse, type RedeemInviteRequest } from "@clawdentity/protocol";
import { createUlid } from "@clawdentity/sdk";
import { AppError } from "@clawdentity/sdk/http";
import { isSecretTokenMatch, parseSecretTokenId } from "../auth";
import type { RegistryContext } from "../context";
import { findInvite, toChangedRows, toInviteRedemption } from "../db";
import { createOwnerSession } from "./owner-session";

const invalidInvite = () => new AppError("REGISTRY_INVITE_INVALID", 400, "invite code is not valid");

/** Spends an invite on a new owner and its first token, all in one batch. */
export async function redeemInvite(
  context: RegistryContext,
  request: RedeemInviteRequest,
): Promise<OwnerSessionResponse> {
  const { config, db, clock } = context;
  const inviteId = parseSecretTokenId(request.code, INVITE_CODE_PREFIX);
  if (!inviteId) throw invalidInvite();
  const invite = await findInvite(db, inviteId);
  if (!invite || !(await isSecretTokenMatch(request.code, invite.code_hash))) throw invalidInvite();
  const nowMs = clock.nowMs();
  if (invite.redeemed_at !== null) throw new AppError("REGISTRY_INVITE_USED", 409, "invite was already redeemed");
  if (invite.expires_at <= nowMs) throw new AppError("REGISTRY_INVITE_EXPIRED", 410, "invite has expired");

  const ownerId = createUlid(nowMs);
  const session = await createOwnerSession(db, {
    ownerId,
    didAuthority: config.didAuthority,
    role: invite.role,
    displayName: request.displayName ?? "owner",
    tokenName: request.tokenName ?? "default",
    nowMs,
    guard: {
      sql: "EXISTS (SELECT 1 FROM invites WHERE id = ? AND redeemed_by_owner_id = ?)",
      params: [inviteId, ownerId],
    },
  });
  const [claimed] = await db.batch([toInviteRedemption(db, { id: inviteId, ownerId, nowMs }), ...session.statements]);
  // Lost a race with another redemption of the same code.
  if (toChangedRows(claimed) === 0) throw new AppError("REGISTRY_INVITE_USED", 409, "invite was already redeemed");
  return session.toResponse();
}
