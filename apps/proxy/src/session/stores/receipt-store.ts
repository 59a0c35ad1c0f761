import type { ReceiptStatus } from "@clawdentity/protocol";
import { pruneHeadOlderThan, type SqlRunner } from "../../storage";

/**
 * `pending` until the connector acknowledges it (v2), `acked` after; `sent_once` when it went to
 * a v1 connector, which has no acknowledgement.
 */
export type ReceiptState = "pending" | "acked" | "sent_once";

export interface ReceiptRecord {
  seq: number;
  /** The `receipt` frame's id, the same on every push; `receipt_ack.ackId` names it. */
  receiptId: string;
  messageId: string;
  recipientDid: string;
  correlationId: string;
  status: ReceiptStatus;
  reason: string | null;
  atMs: number;
  receivedAtMs: number;
  state: ReceiptState;
}

export type NewReceipt = Omit<ReceiptRecord, "seq" | "state">;

type ReceiptRow = {
  seq: number;
  receipt_id: string;
  message_id: string;
  recipient_did: string;
  correlation_id: string;
  status: string;
  reason: string | null;
  at_ms: number;
  received_at_ms: number;
  state: string;
};

const toReceiptRecord = (row: ReceiptRow): ReceiptRecord => ({
  seq: row.seq,
  receiptId: row.receipt_id,
  messageId: row.message_id,
  recipientDid: row.recipient_did,
  correlationId: row.correlation_id,
  status: row.status as ReceiptStatus,
  reason: row.reason,
  atMs: row.at_ms,
  receivedAtMs: row.received_at_ms,
  state: row.state as ReceiptState,
});

/** Receipts about the messages this agent sent, kept until its connector has them. */
export function createReceiptStore(db: SqlRunner) {
  /**
   * The last seq pushed on a connection. Receipts are pushed in seq order and a new one gets a
   * higher seq, so on that connection none at or below it is left to push: the next look starts
   * after it instead of reading again every receipt pushed and not yet acknowledged (a whole
   * window of them under load). A prune may free the highest seq for reuse, so it drops this.
   */
  let pushedThrough: { connectionId: string; seq: number } | undefined;
  return {
    /** Idempotent on (messageId, recipient, status): false for a receipt already held. */
    insert(receipt: NewReceipt): boolean {
      const inserted = db.first(
        `INSERT INTO receipts (receipt_id, message_id, recipient_did, correlation_id, status, reason, at_ms,
           received_at_ms, state)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'pending')
         ON CONFLICT (message_id, recipient_did, status) DO NOTHING RETURNING seq`,
        receipt.receiptId,
        receipt.messageId,
        receipt.recipientDid,
        receipt.correlationId,
        receipt.status,
        receipt.reason,
        receipt.atMs,
        receipt.receivedAtMs,
      );
      return inserted !== undefined;
    },
    /** Pending receipts not yet pushed on this connection, oldest first. */
    toPush(connectionId: string, limit: number): ReceiptRecord[] {
      const afterSeq = pushedThrough?.connectionId === connectionId ? pushedThrough.seq : 0;
      return db
        .all<ReceiptRow>(
          `SELECT * FROM receipts WHERE state = 'pending' AND seq > ?
             AND (pushed_connection IS NULL OR pushed_connection != ?)
           ORDER BY seq LIMIT ?`,
          afterSeq,
          connectionId,
          limit,
        )
        .map(toReceiptRecord);
    },
    /** Called in the order `toPush` returned the receipts. */
    markPushed(seq: number, connectionId: string): void {
      db.run("UPDATE receipts SET pushed_connection = ? WHERE seq = ?", connectionId, seq);
      pushedThrough = { connectionId, seq };
    },
    /** Drops the held push position, after a transaction that moved it rolled back. */
    forget(): void {
      pushedThrough = undefined;
    },
    settle(seq: number, state: Exclude<ReceiptState, "pending">, nowMs: number): void {
      db.run("UPDATE receipts SET state = ?, settled_at_ms = ? WHERE seq = ? AND state = 'pending'", state, nowMs, seq);
    },
    /**
     * Settles what a `receipt_ack` names: the receipt frame id, or (from connectors that ack by
     * message) every pushed receipt of that messageId. Returns how many were settled.
     */
    acknowledge(ackId: string, nowMs: number): number {
      const byId = db.all(
        "UPDATE receipts SET state = 'acked', settled_at_ms = ? WHERE receipt_id = ? AND state = 'pending' RETURNING seq",
        nowMs,
        ackId,
      ).length;
      if (byId > 0) return byId;
      return db.all(
        `UPDATE receipts SET state = 'acked', settled_at_ms = ?
         WHERE message_id = ? AND state = 'pending' AND pushed_connection IS NOT NULL RETURNING seq`,
        nowMs,
        ackId,
      ).length;
    },
    pendingCount(): number {
      return db.first<{ n: number }>("SELECT COUNT(*) AS n FROM receipts WHERE state = 'pending'")?.n ?? 0;
    },
    /** Rows are stored in `seq` order at the session's time, so the first is the oldest. */
    oldestAtMs(): number | null {
      return (
        db.first<{ value: number }>("SELECT received_at_ms AS value FROM receipts ORDER BY seq LIMIT 1")?.value ?? null
      );
    },
    /** Receipts older than retention go, pushed or not: a connector away that long has moved on. */
    prune(beforeMs: number, limit: number): number {
      const spec = { table: "receipts", key: "seq", column: "received_at_ms" };
      const pruned = pruneHeadOlderThan(db, spec, beforeMs, limit).length;
      if (pruned > 0) pushedThrough = undefined;
      return pruned;
    },
  };
}
export type ReceiptStore = ReturnType<typeof createReceiptStore>;
