import type { ConnectorContext } from "../context";
import { recordOutboundOutcome } from "../metrics";
import { enqueueRuntimeNotice } from "../receipts";
import type { OutboxRow } from "../storage";

export interface OutboundDeadLetterDeps extends ConnectorContext {
  /** A runtime notice was queued. */
  onRuntimeNotice: () => void;
}

/**
 * Dead-letters an outbox message locally: `write` changes the row (false when it was no longer in
 * the state it expected) and, when it did, the runtime's `dead_lettered` notice is queued in the
 * same transaction, then counted, logged and the notifier woken.
 */
export function deadLetterOutbound(
  deps: OutboundDeadLetterDeps,
  input: { row: OutboxRow; reason: string; error: string | null; write: (now: number) => boolean },
): boolean {
  const { storage, clock, tuning } = deps;
  const { row, reason, error } = input;
  const now = clock.nowMs();
  const dead = storage.transaction(() => {
    if (!input.write(now)) return false;
    enqueueRuntimeNotice(storage, {
      messageId: row.messageId,
      correlationId: row.correlationId,
      toAgentDid: row.toAgentDid,
      status: "dead_lettered",
      reason,
      at: now,
      now,
      ttlMs: tuning.receiptTtlMs,
    });
    return true;
  });
  if (!dead) return false;
  deps.metrics.outboundDeadLettered.inc({ reason });
  recordOutboundOutcome(deps.metrics, row, "dead_lettered", now);
  deps.logger.warn("outbound message dead-lettered", { messageId: row.messageId, reason, error });
  deps.onRuntimeNotice();
  return true;
}
