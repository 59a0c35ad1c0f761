import type { AgentChallengeResponse } from "@clawdentity/protocol";
import { createUlid, encodeBase64url, toIsoTimestamp } from "@clawdentity/sdk";
import type { RegistryContext } from "../context";
import { insertChallenge, type OwnerRow } from "../db";

/** A one-time nonce the agent key must sign to register; bound to the owner and the key. */
export async function createChallenge(
  context: RegistryContext,
  input: { owner: OwnerRow; publicKey: string },
): Promise<AgentChallengeResponse> {
  const { db, clock, config } = context;
  const nowMs = clock.nowMs();
  const id = createUlid(nowMs);
  const nonce = encodeBase64url(crypto.getRandomValues(new Uint8Array(24)));
  const expiresAt = nowMs + config.challengeTtlSeconds * 1000;
  await insertChallenge(db, {
    id,
    owner_id: input.owner.id,
    public_key: input.publicKey,
    nonce,
    created_at: nowMs,
    expires_at: expiresAt,
    used_at: null,
    agent_id: null,
  });
  return { challengeId: id, nonce, ownerDid: input.owner.did, expiresAt: toIsoTimestamp(expiresAt) };
}
