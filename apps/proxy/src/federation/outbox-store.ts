import type { FederationMessage } from "@clawdentity/protocol";
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
    /** The earliest due row and the earliest expiry; null when the outbox is empty. */
    nextTimes(): { dueAtMs: number; expiresAtMs: number } | null {
      const row = db.first<{ due: number | null; expiry: number | null }>(
        "SELECT MIN(next_attempt_at_ms) AS due, MIN(expires_at_ms) AS expiry FROM outbox",
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
