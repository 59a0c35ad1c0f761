import type { ReceiptFrame } from "@clawdentity/protocol";
import type { ConnectorContext } from "../context";
import { toErrorMessage } from "../logger";
import { recordOutboundReceipt } from "./outbound-receipt";

export interface ReceiptFrameHandlerDeps extends ConnectorContext {
  onRuntimeNotice: () => void;
}

/**
 * Applies `receipt` frames: each outbox row takes its receipt's status and a notice for the
 * runtime is queued, before any `receipt_ack` goes out. The receipts of one batch are recorded in
 * ONE transaction (one fsync), each in its own savepoint, so one that cannot be recorded is left
 * unacknowledged alone (the relay sends it again) while the others commit. The same receipt sent
 * again (after a reconnect) changes nothing and notifies nobody twice. Says, for each frame in
 * order, whether it is durable (to be acked).
 */
export function createReceiptFrameHandler(deps: ReceiptFrameHandlerDeps) {
  const { storage, clock, metrics, logger } = deps;

  const record = (frame: ReceiptFrame): boolean => {
    const messageId = frame.messageId ?? frame.originalFrameId;
    const reason = frame.reason ?? null;
    const recorded = recordOutboundReceipt(deps, {
      messageId,
      toAgentDid: frame.toAgentDid,
      status: frame.status,
      reason,
      at: frame.at ? Date.parse(frame.at) : clock.nowMs(),
      ...(frame.correlationId ? { correlationId: frame.correlationId } : {}),
    });
    metrics.receiptFrames.inc({ status: frame.status, duplicate: String(!recorded) });
    logger.debug("receipt received", { messageId, status: frame.status, reason, duplicate: !recorded });
    return recorded;
  };

  return function handleReceiptFrames(frames: readonly ReceiptFrame[]): boolean[] {
    const outcomes = storage
      .commitEach(frames.map((frame) => () => record(frame)))
      .map((outcome) => (outcome.ok ? { recorded: outcome.value } : { error: toErrorMessage(outcome.error) }));
    outcomes.forEach((outcome, index) => {
      if ("error" in outcome) {
        logger.error("receipt not recorded; not acknowledged", { id: frames[index]?.id, error: outcome.error });
      }
    });
    if (outcomes.some((outcome) => "recorded" in outcome && outcome.recorded)) deps.onRuntimeNotice();
    return outcomes.map((outcome) => "recorded" in outcome);
  };
}
