import type { ReceiptStatus, ReceiptWebhookBody } from "@clawdentity/protocol";
import { toIsoTimestamp } from "@clawdentity/sdk";
import type { ConnectorStorage } from "../storage";

export interface RuntimeNoticeInput {
  messageId: string;
  correlationId: string;
  toAgentDid: string;
  status: ReceiptStatus;
  reason?: string | null;
  at: number;
}

/** The `clawdentity.receipt.v1` body the runtime webhook receives (PROTOCOL.md §9.2). */
export function toRuntimeReceiptBody(input: RuntimeNoticeInput): ReceiptWebhookBody {
  return {
    type: "clawdentity.receipt.v1",
    messageId: input.messageId,
    correlationId: input.correlationId,
    toAgentDid: input.toAgentDid,
    status: input.status,
    ...(input.reason ? { reason: input.reason } : {}),
    at: toIsoTimestamp(input.at),
  };
}

/** Queues a receipt notice for the runtime; call it inside the transaction that changed the message. */
export function enqueueRuntimeNotice(
  storage: ConnectorStorage,
  input: RuntimeNoticeInput & { now: number; ttlMs: number },
): void {
  storage.runtimeNotifications.enqueue({
    messageId: input.messageId,
    body: toRuntimeReceiptBody(input),
    now: input.now,
    ttlMs: input.ttlMs,
  });
}
