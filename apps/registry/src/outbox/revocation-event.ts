import { type AgentAuthRevokedEvent, agentAuthRevokedEventSchema, EVENT_TYPES } from "@clawdentity/protocol";
import { toIsoTimestamp } from "@clawdentity/sdk";

/** The PROTOCOL.md §6.2 envelope; its id is chosen here once and stored with the row, so every republish reuses it. */
export function toAgentRevokedEvent(input: {
  id: string;
  nowMs: number;
  initiatedBy: string | null;
  agentDid: string;
  jti: string;
  reason: string;
}): AgentAuthRevokedEvent {
  return agentAuthRevokedEventSchema.parse({
    id: input.id,
    type: EVENT_TYPES.agentAuthRevoked,
    version: "v1",
    timestampUtc: toIsoTimestamp(input.nowMs),
    initiatedByAccountId: input.initiatedBy,
    data: { agentDid: input.agentDid, jti: input.jti, reason: input.reason },
  });
}
