import {
  type CreatedTokenResponse,
  type CreateTokenRequest,
  PERSONAL_ACCESS_TOKEN_PREFIX,
} from "@clawdentity/protocol";
import { DAY_MS } from "@clawdentity/sdk";
import { createSecretToken } from "../auth";
import type { RegistryContext } from "../context";
import { type TokenRow, toPersonalAccessToken, toTokenInsert } from "../db";

export async function createToken(
  context: RegistryContext,
  input: { ownerId: string; request: CreateTokenRequest },
): Promise<CreatedTokenResponse> {
  const { db, clock } = context;
  const nowMs = clock.nowMs();
  const secret = await createSecretToken(PERSONAL_ACCESS_TOKEN_PREFIX, nowMs);
  const row: TokenRow = {
    id: secret.id,
    owner_id: input.ownerId,
    name: input.request.name,
    token_hash: secret.hash,
    created_at: nowMs,
    expires_at: input.request.expiresInDays === undefined ? null : nowMs + input.request.expiresInDays * DAY_MS,
    last_used_at: null,
    revoked_at: null,
  };
  await toTokenInsert(db, row).run();
  return { token: toPersonalAccessToken(row), secret: secret.value };
}
