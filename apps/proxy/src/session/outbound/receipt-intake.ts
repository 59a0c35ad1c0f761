import type { DeliveryReceiptRequest } from "@clawdentity/protocol";
import {
  COUNTERS,
  type IdentityStore,
  type MessageRecord,
  type MessageStore,
  type MetricsStore,
  type TrustStore,
} from "../stores";
import type { OutboundWriter } from "./outbox";

export type SubmitReceiptInput = Pick<DeliveryReceiptRequest, "messageId" | "senderAgentDid" | "status" | "reason">;

export type SubmitReceiptResult =
  | { ok: true; state: "accepted" | "duplicate"; correlationId: string }
  | { ok: false; refusal: "not_delivered" | "forbidden" };

/** States in which the relay would still push the message again. */
const UNSETTLED: ReadonlySet<MessageRecord["state"]> = new Set(["queued", "waiting", "in_flight"]);

/**
 * The recipient's side of `POST /v1/relay/delivery-receipts`: a message this session pushed to
 * its own connector at least once may get a receipt, whatever its state now. A socket that
 * dropped puts its in-flight messages back in the queue, and the restarted connector may post
 * the receipt before the redelivery: the receipt then settles the message (delivered, never
 * pushed again). A message never pushed here is refused. The receipt is queued for the sender
 * in the same transaction.
 */
export function createReceiptIntake(deps: {
  identity: IdentityStore;
  trust: TrustStore;
  messages: MessageStore;
  metrics: MetricsStore;
  notices: OutboundWriter;
  /** Marks a pushed message delivered, as its `deliver_ack` would have. */
  settleDelivered: (message: MessageRecord, nowMs: number) => void;
}) {
  const { identity, trust, messages, metrics, notices, settleDelivered } = deps;

  return {
    submit(input: SubmitReceiptInput, nowMs: number): SubmitReceiptResult {
      const self = identity.get();
      const message = messages.find(input.senderAgentDid, input.messageId);
      if (!self || !message) {
        // Nothing from that sender under that id: either no relationship at all, or no such message.
        const related = self && (input.senderAgentDid === self.agentDid || trust.get(input.senderAgentDid));
        return { ok: false, refusal: related ? "not_delivered" : "forbidden" };
      }
      if (message.lastAttemptAtMs === null) return { ok: false, refusal: "not_delivered" };
      if (UNSETTLED.has(message.state)) settleDelivered(message, nowMs);
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
