import type { ReceiptFrame } from "@clawdentity/protocol";
import type { ConnectorContext } from "../context";
import { enqueueRuntimeNotice } from "./runtime-notice";

export interface ReceiptFrameHandlerDeps extends ConnectorContext {
  onRuntimeNotice: () => void;
}

/**
 * Applies a `receipt` frame: the outbox row takes the receipt's status and a notice for the
 * runtime is queued, in one transaction, before `receipt_ack` goes out. The same receipt sent
 * again (after a reconnect) changes nothing and notifies nobody twice.
 */
export function createReceiptFrameHandler(deps: ReceiptFrameHandlerDeps) {
  const { storage, clock, tuning, metrics, logger } = deps;
  return function handleReceiptFrame(frame: ReceiptFrame): void {
    const messageId = frame.messageId ?? frame.originalFrameId;
    const now = clock.now();
    const at = frame.at ? Date.parse(frame.at) : now;
    const reason = frame.reason ?? null;
    const recorded = storage.transaction(() => {
      const fresh = storage.outbox.recordReceipt({ messageId, status: frame.status, reason, at, now });
      if (fresh) {
        const row = storage.outbox.get(messageId);
        enqueueRuntimeNotice(storage, {
          messageId,
          // The runtime's own correlationId wins; the frame's (v2) covers a row already pruned.
          correlationId: row?.correlationId ?? frame.correlationId ?? messageId,
          toAgentDid: frame.toAgentDid,
          status: frame.status,
          reason,
          at,
          now,
          ttlMs: tuning.receiptTtlMs,
        });
      }
      return fresh;
    });
    metrics.receiptFrames.inc({ status: frame.status, duplicate: String(!recorded) });
    logger.info("receipt received", { messageId, status: frame.status, reason, duplicate: !recorded });
    if (recorded) deps.onRuntimeNotice();
  };
}
