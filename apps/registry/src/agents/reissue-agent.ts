import { AGENT_REVOCATION_REASONS, type AgentWithAitResponse, type ReissueAgentRequest } from "@clawdentity/protocol";
import { createUlid } from "@clawdentity/sdk";
import { AppError } from "@clawdentity/sdk/http";
import type { RegistryContext } from "../context";
import { type OwnerRow, toAgent, toAgentReissue, toChangedRows, toTtlSeconds } from "../db";
import { findOwnedAgent } from "./agent-ref";
import { issueAit } from "./issue-ait";
import { createPendingRevocation } from "./record-revocation";

/**
 * A fresh AIT for an active agent; the previous `jti` is revoked with reason `reissued` and
 * announced. The owner acted, so the agent's renewable lifetime starts again.
 */
export async function reissueAgent(
  context: RegistryContext,
  input: { owner: OwnerRow; ref: string; request: ReissueAgentRequest },
): Promise<AgentWithAitResponse> {
  const { db, clock } = context;
  const agent = await findOwnedAgent(context, input);
  if (agent.status === "revoked") throw new AppError("REGISTRY_AGENT_REVOKED", 409, "agent is revoked");

  const nowMs = clock.nowMs();
  const jti = createUlid(nowMs);
  const { ttlDays, ttlSeconds: requestedSeconds } = input.request;
  const ttlSeconds = requestedSeconds ?? (ttlDays === undefined ? toTtlSeconds(agent) : ttlDays * 86_400);
  const subject = {
    did: agent.did,
    ownerDid: agent.owner_did,
    name: agent.name,
    framework: agent.framework,
    publicKey: agent.public_key,
  };
  const { ait, expiresAtMs } = await issueAit(context, { subject, jti, ttlSeconds, nowMs });
  const revocation = createPendingRevocation(context, {
    agent,
    jti: agent.current_jti,
    reason: AGENT_REVOCATION_REASONS.reissued,
    changeId: jti,
    initiatedBy: input.owner.did,
    nowMs,
  });
  const [update] = await db.batch([
    toAgentReissue(db, {
      id: agent.id,
      oldJti: agent.current_jti,
      newJti: jti,
      ait,
      ttlSeconds,
      aitExpiresAt: expiresAtMs,
      changeId: jti,
      nowMs,
    }),
    ...revocation.statements,
  ]);
  if (toChangedRows(update) === 0) {
    const current = await findOwnedAgent(context, input);
    if (current.status === "revoked") throw new AppError("REGISTRY_AGENT_REVOKED", 409, "agent is revoked");
    throw new AppError("REGISTRY_AGENT_CONFLICT", 409, "agent was reissued concurrently; retry");
  }
  await revocation.publish();
  const updated = {
    ...agent,
    current_jti: jti,
    current_ait: ait,
    ttl_days: Math.floor(ttlSeconds / 86_400),
    ttl_seconds: ttlSeconds,
    ait_expires_at: expiresAtMs,
    lifetime_started_at: nowMs,
    updated_at: nowMs,
  };
  return { agent: toAgent({ ...updated, change_id: jti }), ait };
}
