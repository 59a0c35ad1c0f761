import {
  type DeliveryReceiptData,
  FRAME_BATCH_LIMITS,
  type MessageStatusResponse,
  type Priority,
  RELAY_PROTOCOL_V2,
  type ReceiptFrame,
  toBatchItem,
} from "@clawdentity/protocol";
import { createUlid, toIsoTimestamp } from "@clawdentity/sdk";
import type { SocketManager } from "../inbound";
import {
  COUNTERS,
  type MetricsStore,
  type ReceiptRecord,
  type ReceiptStore,
  type SentMessageRecord,
  type SentState,
  type TimelineEntryRecord,
  type TimelineEvent,
  type TimelineStore,
} from "../stores";
import type { DeliveryReport } from "./outbox";

/*
 * The sender's record of what it sent: the receipts routed back to it (pushed to its connector
 * until acknowledged) and each message's timeline, fed by its own accepts, the recipient's
 * delivery reports and those receipts.
 */

/** Receipts pushed per call (one `receipt_batch` to a batching socket); more schedule the alarm at once. */
const PUSH_BATCH = FRAME_BATCH_LIMITS.maxMessages;

/**
 * The sender's receipts: stores each one once (per messageId, recipient and status),
 * pushes `receipt` frames to the connector, keeps them until `receipt_ack` (v2) and pushes them
 * again on a new connection. A v1 connector cannot acknowledge, so it gets each receipt once.
 */
export function createSenderReceipts(deps: { receipts: ReceiptStore; sockets: SocketManager; metrics: MetricsStore }) {
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
export type SenderReceipts = ReturnType<typeof createSenderReceipts>;

/** Recorded on the sender's session (`senderBatch`) once the recipient's session stored the message. */
export interface SentMessageInput {
  messageId: string;
  recipientDid: string;
  correlationId: string;
  priority: Priority;
  acceptedAtMs: number;
}

const STATE_OF: Record<TimelineEvent, SentState> = {
  accepted: "queued",
  queued: "queued",
  refused_by_connector: "queued",
  delivered_to_connector: "delivered_to_connector",
  dead_lettered: "dead_lettered",
  delivered_to_webhook: "delivered_to_webhook",
};
const STATE_RANK: Record<SentState, number> = {
  queued: 0,
  delivered_to_connector: 1,
  dead_lettered: 2,
  delivered_to_webhook: 3,
};

/**
 * The state after an event. Reports and receipts travel different paths and may arrive out of
 * order, so the latest event by its own time wins (a tie goes to the further state), and a
 * message delivered to the webhook stays delivered.
 */
function toNextSentState(
  current: SentMessageRecord,
  event: { event: TimelineEvent; atMs: number; attempt?: number },
): SentMessageRecord {
  const attempts = Math.max(current.attempts, event.attempt ?? 0);
  const state = STATE_OF[event.event];
  const newer =
    event.atMs > current.stateAtMs ||
    (event.atMs === current.stateAtMs && STATE_RANK[state] >= STATE_RANK[current.state]);
  if (current.state === "delivered_to_webhook" || !newer) return { ...current, attempts };
  return { ...current, state, stateAtMs: event.atMs, attempts };
}

/**
 * Entries one timeline keeps. Attempts are bounded (`RELAY_MAX_ATTEMPTS`), so only a message
 * retried from dead letters again and again reaches it; its state still follows every event.
 */
export const MAX_TIMELINE_ENTRIES = 100;

type Entry = { event: TimelineEvent; atMs: number; attempt?: number; reason?: string; dedupeKey: string };

const toEntryRecord = (entry: Entry): TimelineEntryRecord => ({
  event: entry.event,
  atMs: entry.atMs,
  attempt: entry.attempt ?? null,
  reason: entry.reason ?? null,
  key: entry.dedupeKey,
});

/** Adds the entries not there yet (by key); the record is unchanged (same object) when all were. */
const withEntries = (record: SentMessageRecord, entries: Entry[]): SentMessageRecord => {
  const keys = new Set(record.events.map((entry) => entry.key));
  const fresh = entries.filter((entry) => !keys.has(entry.dedupeKey));
  if (fresh.length === 0) return record;
  const room = Math.max(0, MAX_TIMELINE_ENTRIES - record.events.length);
  return { ...record, events: [...record.events, ...fresh.slice(0, room).map(toEntryRecord)] };
};

const acceptedEntries = (acceptedAtMs: number): Entry[] =>
  (["accepted", "queued"] as const).map((event) => ({ event, atMs: acceptedAtMs, dedupeKey: event }));

const toNewRecord = (input: SentMessageInput): SentMessageRecord => ({
  ...input,
  state: "queued",
  stateAtMs: input.acceptedAtMs,
  attempts: 0,
  events: [],
});

/**
 * The sender's timeline of each message it sent, fed by its own accepts, reports and receipts:
 * each event reads the message's one row and writes it once, state and timeline together.
 */
export function createTimeline(deps: { sentMessages: TimelineStore }) {
  const { sentMessages } = deps;

  /** Creates the record with its `accepted` and `queued` entries unless it exists. */
  const recordSent = (input: SentMessageInput, nowMs: number): void => {
    const current = sentMessages.get(input.messageId, input.recipientDid) ?? toNewRecord(input);
    const next = withEntries(current, acceptedEntries(input.acceptedAtMs));
    if (next !== current) sentMessages.put(next, nowMs);
  };

  const apply = (sent: SentMessageInput, entry: Entry, nowMs: number, createAs: "accepted" | "bare") => {
    // A report may overtake the sender's own record of the accept, and then creates it; a receipt
    // for a record already pruned recreates only the record (its accept time is unknown).
    const current = sentMessages.get(sent.messageId, sent.recipientDid);
    const base =
      current ?? withEntries(toNewRecord(sent), createAs === "accepted" ? acceptedEntries(sent.acceptedAtMs) : []);
    const added = withEntries(base, [entry]);
    if (added === base) {
      if (!current) sentMessages.put(base, nowMs);
      return;
    }
    sentMessages.put(toNextSentState(added, entry), nowMs);
  };

  return {
    /** Idempotent: a duplicate accept adds nothing. */
    recordSent,
    recordReport(report: DeliveryReport, nowMs: number): void {
      apply(
        report,
        {
          event: report.event,
          atMs: report.atMs,
          ...(report.attempt === undefined ? {} : { attempt: report.attempt }),
          ...(report.reason ? { reason: report.reason } : {}),
          dedupeKey: `report:${report.reportId}`,
        },
        nowMs,
        "accepted",
      );
    },
    recordReceipt(data: DeliveryReceiptData, nowMs: number): void {
      const atMs = Date.parse(data.at);
      apply(
        {
          messageId: data.messageId,
          recipientDid: data.recipientAgentDid,
          correlationId: data.correlationId,
          // A receipt for a message whose record is gone recreates it; its priority is not on the receipt.
          priority: "normal",
          acceptedAtMs: atMs,
        },
        {
          event: data.status,
          atMs,
          ...(data.reason ? { reason: data.reason } : {}),
          dedupeKey: `receipt:${data.status}`,
        },
        nowMs,
        "bare",
      );
    },
    status(messageId: string, senderDid: string): MessageStatusResponse | undefined {
      const sent = sentMessages.findLatest(messageId);
      if (!sent) return undefined;
      // Entries arrive out of order (reports and receipts travel apart): shown by their own time.
      const entries = [...sent.events].sort((a, b) => a.atMs - b.atMs);
      return {
        messageId,
        correlationId: sent.correlationId,
        senderAgentDid: senderDid,
        recipientAgentDid: sent.recipientDid,
        priority: sent.priority,
        state: sent.state,
        attempts: sent.attempts,
        timeline: entries.map((entry) => ({
          event: entry.event,
          at: toIsoTimestamp(entry.atMs),
          ...(entry.attempt === null ? {} : { attempt: entry.attempt }),
          ...(entry.reason === null ? {} : { reason: entry.reason }),
        })),
      };
    },
  };
}
export type Timeline = ReturnType<typeof createTimeline>;
