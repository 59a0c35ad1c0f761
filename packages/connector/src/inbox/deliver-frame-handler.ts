import { DEFAULT_PRIORITY, type DeliverFrame, JSON_STRUCTURE_LIMITS } from "@clawdentity/protocol";
import type { ConnectorContext } from "../context";
import { toErrorMessage } from "../logger";
import { describeStructureProblem, toPayloadText } from "../payload-limits";
import { requeueDeliveryReceipt } from "./delivery-receipt";

export interface DeliverDecision {
  accepted: boolean;
  duplicate: boolean;
  reason?: string;
}

export interface DeliverFrameHandlerDeps extends ConnectorContext {
  agentDid: string;
  /** A new message is durable: wake the webhook delivery worker. */
  onStored: () => void;
  /** A duplicate brought a finished message's receipt back: wake the receipt poster. */
  onReceiptQueued: () => void;
}

/**
 * Stores a `deliver` frame in the inbox and says whether to ack it as accepted. The insert is
 * committed (synchronously, fsync'd) before this returns, so the `deliver_ack` sent afterwards
 * never acknowledges a message that a crash could lose. A redelivery is accepted without a
 * second copy: the inbox is unique on (sender, messageId). When that message is already finished,
 * its receipt is sent again if it was given up or pruned, in the same transaction. A payload past
 * `JSON_STRUCTURE_LIMITS` is refused, never stored: the proxy refuses such payloads at its entry.
 */
export function createDeliverFrameHandler(deps: DeliverFrameHandlerDeps) {
  const { storage, clock, tuning, metrics, logger } = deps;
  return function handleDeliverFrame(frame: DeliverFrame): DeliverDecision {
    const messageId = frame.messageId ?? frame.id;
    if (frame.toAgentDid !== deps.agentDid) {
      logger.warn("deliver frame for another agent refused", { messageId, toAgentDid: frame.toAgentDid });
      return { accepted: false, duplicate: false, reason: "wrong_recipient" };
    }
    const payload = toPayloadText(frame.payload ?? null);
    if (payload.problem) {
      metrics.invalidFrames.inc({ reason: "too_complex" });
      const error = `payload ${describeStructureProblem(payload.problem, JSON_STRUCTURE_LIMITS)}`;
      logger.warn("deliver frame refused", { messageId, reason: "payload_too_complex", error });
      return { accepted: false, duplicate: false, reason: "payload_too_complex" };
    }
    const now = clock.now();
    let result: { stored: boolean; receiptRequeued: boolean };
    try {
      result = storage.transaction(() => {
        const inserted = storage.inbox.accept(
          {
            senderDid: frame.fromAgentDid,
            messageId,
            correlationId: frame.correlationId ?? messageId,
            toAgentDid: frame.toAgentDid,
            payload: payload.text,
            conversationId: frame.conversationId ?? null,
            replyTo: frame.replyTo ?? null,
            priority: frame.priority ?? DEFAULT_PRIORITY,
          },
          { now, ttlMs: tuning.webhookTtlMs },
        );
        const receiptRequeued =
          !inserted &&
          requeueDeliveryReceipt(storage, {
            senderDid: frame.fromAgentDid,
            messageId,
            now,
            ttlMs: tuning.receiptTtlMs,
          });
        return { stored: inserted, receiptRequeued };
      });
    } catch (error) {
      // Not durable, so not acknowledged: the relay keeps it and offers it again later.
      logger.error("could not store deliver frame", { messageId, error: toErrorMessage(error) });
      return { accepted: false, duplicate: false, reason: "storage_unavailable" };
    }
    const { stored, receiptRequeued } = result;
    if (!stored) {
      metrics.inboundDuplicates.inc();
      logger.debug("duplicate deliver frame acknowledged", {
        messageId,
        fromAgentDid: frame.fromAgentDid,
        receiptRequeued,
      });
      if (receiptRequeued) deps.onReceiptQueued();
      return { accepted: true, duplicate: true };
    }
    metrics.inboundReceived.inc({ priority: frame.priority ?? DEFAULT_PRIORITY });
    logger.debug("inbound message stored", { messageId, fromAgentDid: frame.fromAgentDid, attempt: frame.attempt });
    deps.onStored();
    return { accepted: true, duplicate: false };
  };
}
