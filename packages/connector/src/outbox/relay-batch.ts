import { RELAY_BATCH_LIMITS, type RelayBatchMessage } from "@clawdentity/protocol";
import type { OutboxRow, OutboxStore } from "../storage";

/** Room kept for the batch envelope and each item's fields besides the payload. */
const ITEM_OVERHEAD_BYTES = 1024;

/** One outbox row as an item of `POST /v1/relay/messages/batch` (its proof is added when signing). */
export function toBatchMessage(row: OutboxRow): Omit<RelayBatchMessage, "proof"> {
  return {
    recipientAgentDid: row.toAgentDid,
    messageId: row.messageId,
    correlationId: row.correlationId,
    priority: row.priority,
    ...(row.conversationId ? { conversationId: row.conversationId } : {}),
    ...(row.replyTo ? { replyTo: row.replyTo } : {}),
    ...(row.traceparent ? { traceparent: row.traceparent } : {}),
    payload: row.payload,
  };
}

/**
 * Claims what is due, most urgent first, up to the proxy's batch bounds (count, then bytes of the
 * escaped payloads); rows past the byte bound go back untouched for the next batch.
 */
export function claimBatch(outbox: OutboxStore, input: { now: number; leaseMs: number }): OutboxRow[] {
  const claimed = outbox.claimDue({ ...input, limit: RELAY_BATCH_LIMITS.maxMessages });
  const encoder = new TextEncoder();
  let bytes = 0;
  const kept: OutboxRow[] = [];
  for (const row of claimed) {
    bytes += encoder.encode(JSON.stringify(row.payload)).byteLength + ITEM_OVERHEAD_BYTES;
    if (kept.length > 0 && bytes > RELAY_BATCH_LIMITS.maxMessageBatchBytes) outbox.release(row.messageId);
    else kept.push(row);
  }
  return kept;
}
