import { type AgentAuthRevokedEvent, type DeliveryReceiptEvent, EVENT_TYPES } from "@clawdentity/protocol";
import { createUlid } from "@clawdentity/sdk";
import type { TestAgent } from "./test-agents";

/** An `agent.auth.revoked` envelope as the registry publishes it. */
export function toRevokedEvent(
  agent: TestAgent,
  reason: "agent_revoked" | "reissued" | string,
  id: string = createUlid(),
): AgentAuthRevokedEvent {
  return {
    id,
    type: EVENT_TYPES.agentAuthRevoked,
    version: "v1",
    timestampUtc: new Date().toISOString(),
    initiatedByAccountId: `did:cdi:127.0.0.1:human:${createUlid()}`,
    data: { agentDid: agent.did, jti: agent.jti, reason },
  };
}

/** A `delivery_receipt` envelope: `recipient` received `sender`'s message and its webhook took it. */
export function toReceiptEvent(sender: TestAgent, recipient: TestAgent): DeliveryReceiptEvent {
  return {
    id: createUlid(),
    type: EVENT_TYPES.deliveryReceipt,
    version: "v1",
    timestampUtc: new Date().toISOString(),
    initiatedByAccountId: null,
    data: {
      messageId: createUlid(),
      correlationId: "c",
      senderAgentDid: sender.did,
      recipientAgentDid: recipient.did,
      status: "delivered_to_webhook",
      at: new Date().toISOString(),
    },
  };
}
