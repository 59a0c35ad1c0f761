import type { DeliveryReceiptRequest, ReceiptStatus } from "@clawdentity/protocol";
import type { ConnectorStorage, InboxRow, JobRow } from "../storage";

export interface DeliveryReceiptInput {
  row: InboxRow;
  status: ReceiptStatus;
  reason: string | null;
  now: number;
  ttlMs: number;
}

/** Queues the receipt for the sender; call it inside the transaction that finished the inbox row. */
export function enqueueDeliveryReceipt(storage: ConnectorStorage, input: DeliveryReceiptInput): void {
  const { row, status, reason } = input;
  const body: DeliveryReceiptRequest = {
    messageId: row.messageId,
    senderAgentDid: row.senderDid,
    status,
    ...(reason ? { reason } : {}),
    correlationId: row.correlationId,
  };
  storage.receiptOutbox.enqueue({ messageId: row.messageId, body, now: input.now, ttlMs: input.ttlMs });
}

/** The receipt a finished inbox row owes its sender; null while it is still being delivered. */
function toOwedReceipt(row: InboxRow): { status: ReceiptStatus; reason: string | null } | null {
  if (row.status === "pending") return null;
  if (row.status === "delivered") return { status: "delivered_to_webhook", reason: null };
  // Dead-lettered, or purged after that: the dead letter's reason is still the sender's answer.
  return { status: "dead_lettered", reason: row.deadLetterReason };
}

const isFromSender = (job: JobRow, senderDid: string) =>
  (JSON.parse(job.body) as Partial<DeliveryReceiptRequest>).senderAgentDid === senderDid;

/**
 * A sender's relay offered a message again that this connector already finished: it evidently
 * still waits for the outcome. When the receipt was given up (`failed`) it goes back to `pending`
 * with a fresh attempt budget and TTL; when it was pruned it is queued again. Call it inside the
 * transaction that saw the duplicate; true when a receipt is pending anew.
 */
export function requeueDeliveryReceipt(
  storage: ConnectorStorage,
  input: { senderDid: string; messageId: string; now: number; ttlMs: number },
): boolean {
  const row = storage.inbox.find(input.senderDid, input.messageId);
  const owed = row ? toOwedReceipt(row) : null;
  if (!row || !owed) return false;
  const latest = storage.receiptOutbox
    .listForMessage(input.messageId)
    .filter((job) => isFromSender(job, input.senderDid))
    .at(-1);
  if (latest?.state === "failed") return storage.receiptOutbox.revive(latest.id, input.now, input.ttlMs);
  if (latest) return false;
  enqueueDeliveryReceipt(storage, { row, ...owed, now: input.now, ttlMs: input.ttlMs });
  return true;
}
