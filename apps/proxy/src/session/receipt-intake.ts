import type { DeliveryReceiptRequest } from "@clawdentity/protocol";
import type { OutboundWriter } from "./outbound-writer";
import { COUNTERS, type IdentityStore, type MessageStore, type MetricsStore, type TrustStore } from "./stores";

export type SubmitReceiptInput = Pick<DeliveryReceiptRequest, "messageId" | "senderAgentDid" | "status" | "reason">;

export type SubmitReceiptResult =
  | { ok: true; state: "accepted" | "duplicate"; correlationId: string }
  | { ok: false; refusal: "not_delivered" | "forbidden" };

/**
 * The recipient's side of `POST /v1/relay/delivery-receipts`: only a message this session pushed
 * to its own connector (acknowledged, or in flight with its ack still on the way) may get a
 * receipt, and the receipt is queued for the sender in the same transaction.
 */
export function createReceiptIntake(deps: {
  identity: IdentityStore;
  trust: TrustStore;
  messages: MessageStore;
  metrics: MetricsStore;
  notices: OutboundWriter;
}) {
  const { identity, trust, messages, metrics, notices } = deps;

  return {
    submit(input: SubmitReceiptInput, nowMs: number): SubmitReceiptResult {
      const self = identity.get();
      const message = messages.find(input.senderAgentDid, input.messageId);
      if (!self || !message) {
        // Nothing from that sender under that id: either no relationship at all, or no such message.
        const related = self && (input.senderAgentDid === self.agentDid || trust.get(input.senderAgentDid));
        return { ok: false, refusal: related ? "not_delivered" : "forbidden" };
      }
      if (message.state !== "delivered" && message.state !== "in_flight")
        return { ok: false, refusal: "not_delivered" };
      const accepted = notices.receipt(
        {
          senderDid: input.senderAgentDid,
          messageId: input.messageId,
          correlationId: message.correlationId,
          status: input.status,
          ...(input.reason ? { reason: input.reason } : {}),
          atMs: nowMs,
          initiatedBy: self.agentDid,
        },
        nowMs,
      );
      if (accepted) metrics.increment(COUNTERS.receiptsAccepted(input.status));
      return { ok: true, state: accepted ? "accepted" : "duplicate", correlationId: message.correlationId };
    },
  };
}
export type ReceiptIntake = ReturnType<typeof createReceiptIntake>;
