import type { OperatorQueueRecord } from "@clawdentity/protocol";
import { toIsoTimestamp } from "@clawdentity/sdk";
import { pruneOlderThan, type SqlRunner } from "../storage";

export type QueueRecordKind = OperatorQueueRecord["kind"];

export interface QueueRecordInput {
  queue: string;
  messageId: string;
  kind: QueueRecordKind;
  reason: string | null;
  attempts: number;
  /** The message body as JSON text, cut to a size an operator can read. */
  body: string | null;
}

type QueueRecordRow = {
  queue: string;
  message_id: string;
  kind: string;
  reason: string | null;
  attempts: number;
  body: string | null;
  received_at_ms: number;
};

/** Queue messages an operator should look at, newest first, kept for a retention period. */
export function createQueueRecordStore(db: SqlRunner) {
  return {
    /** Stores the record once per (queue, message id, kind); true when it is new. */
    insert(record: QueueRecordInput, nowMs: number): boolean {
      const inserted = db.first(
        `INSERT INTO queue_records (queue, message_id, kind, reason, attempts, body, received_at_ms)
         VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING seq`,
        record.queue,
        record.messageId,
        record.kind,
        record.reason,
        record.attempts,
        record.body,
        nowMs,
      );
      return inserted !== undefined;
    },
    list(limit: number): OperatorQueueRecord[] {
      return db.all<QueueRecordRow>("SELECT * FROM queue_records ORDER BY seq DESC LIMIT ?", limit).map((row) => ({
        queue: row.queue,
        messageId: row.message_id,
        kind: row.kind as QueueRecordKind,
        reason: row.reason,
        attempts: row.attempts,
        receivedAt: toIsoTimestamp(row.received_at_ms),
        body: row.body,
      }));
    },
    counts(): Array<{ queue: string; kind: string; count: number }> {
      return db.all<{ queue: string; kind: string; count: number }>(
        "SELECT queue, kind, count FROM queue_record_counts WHERE count > 0",
      );
    },
    prune(beforeMs: number, limit: number): number {
      return pruneOlderThan(db, { table: "queue_records", key: "seq", column: "received_at_ms" }, beforeMs, limit)
        .length;
    },
  };
}
export type QueueRecordStore = ReturnType<typeof createQueueRecordStore>;
