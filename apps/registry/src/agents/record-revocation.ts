import { createUlid } from "@clawdentity/sdk";
import type { RegistryContext } from "../context";
import { type AgentView, agentChangedGuard, toRevocationInsert } from "../db";
import { toAgentRevokedEvent, toOutboxInsert } from "../outbox";

export interface PendingRevocation {
  /** Revocation row and outbox row, both applied only if the batch's agent update did. */
  statements: D1PreparedStatement[];
  /** Publishes the event after the batch committed; never throws. */
  publish(): Promise<void>;
}

/** The revocation of `jti` and its `agent.auth.revoked` event, for the same batch as the agent change. */
export function createPendingRevocation(
  context: RegistryContext,
  input: { agent: AgentView; jti: string; reason: string; changeId: string; initiatedBy: string; nowMs: number },
): PendingRevocation {
  const { db, config, publisher } = context;
  const { agent, jti, reason, nowMs } = input;
  const guard = agentChangedGuard(agent.id, input.changeId);
  const event = toAgentRevokedEvent({
    id: createUlid(nowMs),
    nowMs,
    initiatedBy: input.initiatedBy,
    agentDid: agent.did,
    jti,
    reason,
  });
  const leaseId = createUlid(nowMs);
  return {
    statements: [
      toRevocationInsert(db, { jti, agent_id: agent.id, agent_did: agent.did, reason, revoked_at: nowMs }, guard),
      toOutboxInsert(db, { event, nowMs, leaseId, leaseUntilMs: nowMs + config.outbox.leaseMs }, guard),
    ],
    async publish() {
      const record = { id: event.id, type: event.type, payload: JSON.stringify(event), attempts: 0 };
      await publisher.publish([record], leaseId);
    },
  };
}
