import { AGENT_REVOCATION_REASONS, type AgentResponse } from "@clawdentity/protocol";
import { createUlid } from "@clawdentity/sdk";
import type { RegistryContext } from "../context";
import { type OwnerRow, toAgent, toAgentRevocation, toChangedRows } from "../db";
import { findOwnedAgent } from "./agent-ref";
import { createPendingRevocation } from "./record-revocation";

/**
 * Revokes the agent and its current AIT; idempotent: revoking a revoked agent answers the same
 * agent and writes nothing, so exactly one event is ever announced.
 */
export async function revokeAgent(
  context: RegistryContext,
  input: { owner: OwnerRow; ref: string },
): Promise<AgentResponse> {
  const { db, clock } = context;
  const agent = await findOwnedAgent(context, input);
  if (agent.status === "revoked") return { agent: toAgent(agent) };

  const nowMs = clock.nowMs();
  const changeId = createUlid(nowMs);
  const revocation = createPendingRevocation(context, {
    agent,
    jti: agent.current_jti,
    reason: AGENT_REVOCATION_REASONS.revoked,
    changeId,
    initiatedBy: input.owner.did,
    nowMs,
  });
  const [update] = await db.batch([
    toAgentRevocation(db, { id: agent.id, jti: agent.current_jti, changeId, nowMs }),
    ...revocation.statements,
  ]);
  if (toChangedRows(update) === 0) {
    // Revoked or reissued concurrently: answer with the agent as it is now.
    return revokeAgent(context, input);
  }
  await revocation.publish();
  return { agent: toAgent({ ...agent, status: "revoked", revoked_at: nowMs, updated_at: nowMs, change_id: changeId }) };
}
