import type { ReceiptStatus } from "@clawdentity/protocol";
import type { ConnectorContext } from "../context";
import { recordOutboundOutcome } from "../metrics";
import { enqueueRuntimeNotice } from "./runtime-notice";

export interface OutboundReceiptInput {
  messageId: string;
  toAgentDid: string;
  status: ReceiptStatus;
  reason: string | null;
  /** When the relay saw that outcome. */
  at: number;
  /** Used only when the outbox row is gone (pruned); the row's own correlationId wins. */
  correlationId?: string;
}

/**
 * Records the relay's outcome of a message this agent sent: the outbox row takes its status (see
 * `recordReceipt`) and a notice for the runtime is queued, in one transaction. The same outcome
 * learned twice, from a `receipt` frame and from the proxy's message status in either order,
 * changes nothing the second time and notifies nobody twice: false then.
 */
export function recordOutboundReceipt(
  context: Pick<ConnectorContext, "storage" | "clock" | "tuning" | "metrics">,
  input: OutboundReceiptInput,
): boolean {
  const { storage, clock, tuning } = context;
  const { messageId, status, reason, at } = input;
  const now = clock.nowMs();
  const recorded = storage.transaction(() => {
    if (!storage.outbox.recordReceipt({ messageId, status, reason, at, now })) return null;
    const row = storage.outbox.get(messageId);
    enqueueRuntimeNotice(storage, {
      messageId,
      correlationId: row?.correlationId ?? input.correlationId ?? messageId,
      toAgentDid: input.toAgentDid,
      status,
      reason,
      at,
      now,
      ttlMs: tuning.receiptTtlMs,
    });
    return { row };
  });
  if (!recorded) return false;
  if (recorded.row) recordOutboundOutcome(context.metrics, recorded.row, status, now);
  return true;
}
