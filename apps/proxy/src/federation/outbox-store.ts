import type { DeliveryReceiptData, FederationMessage } from "@clawdentity/protocol";
import type { SqlRunner } from "../storage";

/** One message waiting for its destination proxy; `body` is the FederationMessage as it is sent. */
export interface OutboxRow {
  sender_did: string;
  message_id: string;
  body: string;
  expires_at_ms: number;
  attempts: number;
  [key: string]: SqlStorageValue;
}

/** One receipt or dead-letter notice waiting for the sender's home proxy; `body` is the DeliveryReceiptData. */
export interface ReceiptRow {
  sender_did: string;
  message_id: string;
  recipient_did: string;
  status: string;
  body: string;
  attempts: number;
  [key: string]: SqlStorageValue;
}

/** The destination's health: consecutive failed batches, and when it may be tried again. */
export interface DestinationState {
  origin: string;
  failures: number;
  next_attempt_at_ms: number;
  circuit_open_until_ms: number;
  [key: string]: SqlStorageValue;
}

const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS outbox (
    sender_did TEXT NOT NULL,
    message_id TEXT NOT NULL,
    priority_rank INTEGER NOT NULL,
    body TEXT NOT NULL,
    created_at_ms INTEGER NOT NULL,
    expires_at_ms INTEGER NOT NULL,
    next_attempt_at_ms INTEGER NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (sender_did, message_id)
  )`,
  "CREATE INDEX IF NOT EXISTS outbox_due ON outbox (next_attempt_at_ms)",
  `CREATE TABLE IF NOT EXISTS receipts_out (
    sender_did TEXT NOT NULL,
    message_id TEXT NOT NULL,
    recipient_did TEXT NOT NULL,
    status TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at_ms INTEGER NOT NULL,
    expires_at_ms INTEGER NOT NULL,
    next_attempt_at_ms INTEGER NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (sender_did, message_id, recipient_did, status)
  )`,
  `CREATE TABLE IF NOT EXISTS forwarded (
    sender_did TEXT NOT NULL,
    message_id TEXT NOT NULL,
    forwarded_at_ms INTEGER NOT NULL,
    PRIMARY KEY (sender_did, message_id)
  )`,
  `CREATE TABLE IF NOT EXISTS destination (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    origin TEXT NOT NULL,
    failures INTEGER NOT NULL,
    next_attempt_at_ms INTEGER NOT NULL,
    circuit_open_until_ms INTEGER NOT NULL
  )`,
  "INSERT OR IGNORE INTO destination (id, origin, failures, next_attempt_at_ms, circuit_open_until_ms) VALUES (1, '', 0, 0, 0)",
];

/** SQL of one destination's outbox (PROTOCOL.md §11.4): rows keyed by (sender, messageId), due order. */
export function createOutboxStore(db: SqlRunner) {
  for (const statement of SCHEMA) db.run(statement);
  return {
    /** False when that (sender, messageId) is already waiting here. */
    insert(input: { message: FederationMessage; priorityRank: number; nowMs: number; expiresAtMs: number }): boolean {
      const { message } = input;
      const before = db.first<{ n: number }>(
        "SELECT COUNT(*) AS n FROM outbox WHERE sender_did = ? AND message_id = ?",
        message.senderAgentDid,
        message.messageId,
      );
      if ((before?.n ?? 0) > 0) return false;
      db.run(
        `INSERT INTO outbox (sender_did, message_id, priority_rank, body, created_at_ms, expires_at_ms, next_attempt_at_ms)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
        message.senderAgentDid,
        message.messageId,
        input.priorityRank,
        JSON.stringify(message),
        input.nowMs,
        input.expiresAtMs,
        input.nowMs,
      );
      return true;
    },
    findCorrelationId(senderDid: string, messageId: string): string | null {
      const row = db.first<{ body: string }>(
        "SELECT body FROM outbox WHERE sender_did = ? AND message_id = ?",
        senderDid,
        messageId,
      );
      return row ? (JSON.parse(row.body) as FederationMessage).correlationId : null;
    },
    /** Due rows, critical first, then oldest. */
    takeDue(nowMs: number, limit: number): OutboxRow[] {
      return db.all<OutboxRow>(
        `SELECT sender_did, message_id, body, expires_at_ms, attempts FROM outbox
         WHERE next_attempt_at_ms <= ? ORDER BY priority_rank, created_at_ms LIMIT ?`,
        nowMs,
        limit,
      );
    },
    takeExpired(nowMs: number): OutboxRow[] {
      return db.all<OutboxRow>(
        "SELECT sender_did, message_id, body, expires_at_ms, attempts FROM outbox WHERE expires_at_ms <= ?",
        nowMs,
      );
    },
    remove(senderDid: string, messageId: string): void {
      db.run("DELETE FROM outbox WHERE sender_did = ? AND message_id = ?", senderDid, messageId);
    },
    retryLater(senderDid: string, messageId: string, atMs: number): void {
      db.run(
        "UPDATE outbox SET attempts = attempts + 1, next_attempt_at_ms = ? WHERE sender_did = ? AND message_id = ?",
        atMs,
        senderDid,
        messageId,
      );
    },
    /** Remembers that the destination took this message: only it may send receipts for it (§11.6). */
    markForwarded(senderDid: string, messageId: string, nowMs: number): void {
      db.run(
        "INSERT OR REPLACE INTO forwarded (sender_did, message_id, forwarded_at_ms) VALUES (?, ?, ?)",
        senderDid,
        messageId,
        nowMs,
      );
    },
    /**
     * The destination took this message, or may have: still waiting here means its answer has not
     * come (lost, or the destination restarted before it answered), and a receipt from it for the
     * message shows that it took it.
     */
    wasForwarded(senderDid: string, messageId: string): boolean {
      const row = db.first(
        `SELECT 1 AS one FROM forwarded WHERE sender_did = ? AND message_id = ?
         UNION ALL SELECT 1 AS one FROM outbox WHERE sender_did = ? AND message_id = ? LIMIT 1`,
        senderDid,
        messageId,
        senderDid,
        messageId,
      );
      return row !== undefined;
    },
    pruneForwarded(cutoffMs: number): void {
      db.run("DELETE FROM forwarded WHERE forwarded_at_ms < ?", cutoffMs);
    },
    /** False when this receipt (sender, messageId, recipient, status) is already waiting here. */
    insertReceipt(input: { receipt: DeliveryReceiptData; nowMs: number; expiresAtMs: number }): boolean {
      const { receipt } = input;
      const before = db.first<{ n: number }>(
        "SELECT COUNT(*) AS n FROM receipts_out WHERE sender_did = ? AND message_id = ? AND recipient_did = ? AND status = ?",
        receipt.senderAgentDid,
        receipt.messageId,
        receipt.recipientAgentDid,
        receipt.status,
      );
      if ((before?.n ?? 0) > 0) return false;
      db.run(
        `INSERT INTO receipts_out (sender_did, message_id, recipient_did, status, body, created_at_ms, expires_at_ms, next_attempt_at_ms)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
        receipt.senderAgentDid,
        receipt.messageId,
        receipt.recipientAgentDid,
        receipt.status,
        JSON.stringify(receipt),
        input.nowMs,
        input.expiresAtMs,
        input.nowMs,
      );
      return true;
    },
    takeDueReceipts(nowMs: number, limit: number): ReceiptRow[] {
      return db.all<ReceiptRow>(
        `SELECT sender_did, message_id, recipient_did, status, body, attempts FROM receipts_out
         WHERE next_attempt_at_ms <= ? ORDER BY created_at_ms LIMIT ?`,
        nowMs,
        limit,
      );
    },
    /** Receipts the destination did not take within their TTL; removed. */
    dropExpiredReceipts(nowMs: number): number {
      const row = db.first<{ n: number }>("SELECT COUNT(*) AS n FROM receipts_out WHERE expires_at_ms <= ?", nowMs);
      db.run("DELETE FROM receipts_out WHERE expires_at_ms <= ?", nowMs);
      return row?.n ?? 0;
    },
    removeReceipt(row: ReceiptRow): void {
      db.run(
        "DELETE FROM receipts_out WHERE sender_did = ? AND message_id = ? AND recipient_did = ? AND status = ?",
        row.sender_did,
        row.message_id,
        row.recipient_did,
        row.status,
      );
    },
    retryReceiptLater(row: ReceiptRow, atMs: number): void {
      db.run(
        `UPDATE receipts_out SET attempts = attempts + 1, next_attempt_at_ms = ?
         WHERE sender_did = ? AND message_id = ? AND recipient_did = ? AND status = ?`,
        atMs,
        row.sender_did,
        row.message_id,
        row.recipient_did,
        row.status,
      );
    },
    /** The earliest due row and the earliest expiry over messages and receipts; null when both are empty. */
    nextTimes(): { dueAtMs: number; expiresAtMs: number } | null {
      const row = db.first<{ due: number | null; expiry: number | null }>(
        `SELECT MIN(next_attempt_at_ms) AS due, MIN(expires_at_ms) AS expiry FROM (
           SELECT next_attempt_at_ms, expires_at_ms FROM outbox
           UNION ALL SELECT next_attempt_at_ms, expires_at_ms FROM receipts_out
         )`,
      );
      if (row?.due == null || row.expiry == null) return null;
      return { dueAtMs: row.due, expiresAtMs: row.expiry };
    },
    readDestination(): DestinationState {
      return (
        db.first<DestinationState>(
          "SELECT origin, failures, next_attempt_at_ms, circuit_open_until_ms FROM destination WHERE id = 1",
        ) ?? { origin: "", failures: 0, next_attempt_at_ms: 0, circuit_open_until_ms: 0 }
      );
    },
    writeDestination(state: DestinationState): void {
      db.run(
        "UPDATE destination SET origin = ?, failures = ?, next_attempt_at_ms = ?, circuit_open_until_ms = ? WHERE id = 1",
        state.origin,
        state.failures,
        state.next_attempt_at_ms,
        state.circuit_open_until_ms,
      );
    },
    depth(): number {
      return db.first<{ n: number }>("SELECT COUNT(*) AS n FROM outbox")?.n ?? 0;
    },
  };
}

export type OutboxStore = ReturnType<typeof createOutboxStore>;
