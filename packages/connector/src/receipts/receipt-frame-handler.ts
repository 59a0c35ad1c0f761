import type { ReceiptFrame } from "@clawdentity/protocol";
import type { ConnectorContext } from "../context";
import { recordOutboundReceipt } from "./outbound-receipt";

export interface ReceiptFrameHandlerDeps extends ConnectorContext {
  onRuntimeNotice: () => void;
}

/**
 * Applies a `receipt` frame: the outbox row takes the receipt's status and a notice for the
 * runtime is queued, in one transaction, before `receipt_ack` goes out. The same receipt sent
 * again (after a reconnect) changes nothing and notifies nobody twice.
 */
export function createReceiptFrameHandler(deps: ReceiptFrameHandlerDeps) {
  const { clock, metrics, logger } = deps;
  return function handleReceiptFrame(frame: ReceiptFrame): void {
    const messageId = frame.messageId ?? frame.originalFrameId;
    const reason = frame.reason ?? null;
    const recorded = recordOutboundReceipt(deps, {
      messageId,
      toAgentDid: frame.toAgentDid,
      status: frame.status,
      reason,
      at: frame.at ? Date.parse(frame.at) : clock.now(),
      ...(frame.correlationId ? { correlationId: frame.correlationId } : {}),
    });
    metrics.receiptFrames.inc({ status: frame.status, duplicate: String(!recorded) });
    logger.debug("receipt received", { messageId, status: frame.status, reason, duplicate: !recorded });
    if (recorded) deps.onRuntimeNotice();
  };
}
