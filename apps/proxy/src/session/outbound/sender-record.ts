import {
  type DeliveryReceiptData,
  FRAME_BATCH_LIMITS,
  RELAY_PROTOCOL_V2,
  type ReceiptFrame,
  toBatchItem,
} from "@clawdentity/protocol";
import { createUlid } from "@clawdentity/sdk";
import { toIsoTimestamp } from "../../clock";
import type { SocketManager } from "../inbound/connection";
import { COUNTERS, type MetricsStore, type ReceiptRecord, type ReceiptStore } from "../stores";

/** Receipts pushed per call (one `receipt_batch` to a batching socket); more schedule the alarm at once. */
const PUSH_BATCH = FRAME_BATCH_LIMITS.maxMessages;

/**
 * The sender's side of receipts: stores each one once (per messageId, recipient and status),
 * pushes `receipt` frames to the connector, keeps them until `receipt_ack` (v2) and pushes them
 * again on a new connection. A v1 connector cannot acknowledge, so it gets each receipt once.
 */
export function createReceiptDispatcher(deps: {
  receipts: ReceiptStore;
  sockets: SocketManager;
  metrics: MetricsStore;
}) {
  const { receipts, sockets, metrics } = deps;

  const toReceiptFrame = (receipt: ReceiptRecord, nowMs: number): ReceiptFrame => ({
    v: 1,
    type: "receipt",
    id: receipt.receiptId,
    ts: toIsoTimestamp(nowMs),
    originalFrameId: receipt.messageId,
    toAgentDid: receipt.recipientDid,
    status: receipt.status,
    ...(receipt.reason ? { reason: receipt.reason } : {}),
    messageId: receipt.messageId,
    correlationId: receipt.correlationId,
    at: toIsoTimestamp(receipt.atMs),
  });

  return {
    /** Stores a routed receipt; false when this receipt was already held (a redelivered event). */
    store(data: DeliveryReceiptData, nowMs: number): boolean {
      const stored = receipts.insert({
        receiptId: createUlid(nowMs),
        messageId: data.messageId,
        recipientDid: data.recipientAgentDid,
        correlationId: data.correlationId,
        status: data.status,
        reason: data.reason ?? null,
        atMs: Date.parse(data.at),
        receivedAtMs: nowMs,
      });
      if (stored) metrics.increment(COUNTERS.receiptsRouted(data.status));
      return stored;
    },

    /** Pushes pending receipts to the ready socket; true when more are waiting. */
    pump(nowMs: number): boolean {
      const socket = sockets.activeReady(nowMs);
      if (!socket) return false;
      const { connectionId, version } = socket.attachment;
      const batch = receipts.toPush(connectionId, PUSH_BATCH);
      if (socket.attachment.batch && batch.length > 1) {
        const frames = batch.map((receipt) => toBatchItem(toReceiptFrame(receipt, nowMs)));
        const head = { v: 1 as const, id: createUlid(nowMs), ts: toIsoTimestamp(nowMs) };
        if (!sockets.send(socket.ws, { ...head, type: "receipt_batch", receipts: frames })) return false;
        for (const receipt of batch) receipts.markPushed(receipt.seq, connectionId);
        return batch.length === PUSH_BATCH;
      }
      for (const receipt of batch) {
        if (!sockets.send(socket.ws, toReceiptFrame(receipt, nowMs))) return false;
        if (version >= RELAY_PROTOCOL_V2) receipts.markPushed(receipt.seq, connectionId);
        else receipts.settle(receipt.seq, "sent_once", nowMs);
      }
      return batch.length === PUSH_BATCH;
    },

    acknowledge(ackId: string, nowMs: number): void {
      const settled = receipts.acknowledge(ackId, nowMs);
      if (settled > 0) metrics.increment(COUNTERS.receiptsAcked, settled);
    },

    pendingCount: () => receipts.pendingCount(),
  };
}
export type ReceiptDispatcher = ReturnType<typeof createReceiptDispatcher>;
