import {
  type MESSAGE_TIMELINE_EVENTS,
  type MessageStatusResponse,
  PRIORITIES,
  PRIORITY_RANK,
  type Priority,
} from "@clawdentity/protocol";
import { pruneOlderThan, type SqlRunner } from "../../storage";

export type TimelineEvent = (typeof MESSAGE_TIMELINE_EVENTS)[number];
export type SentState = MessageStatusResponse["state"];

/** A message this agent sent, as its own session knows it. */
export interface SentMessageRecord {
  messageId: string;
  recipientDid: string;
  correlationId: string;
  priority: Priority;
  acceptedAtMs: number;
  state: SentState;
  stateAtMs: number;
  attempts: number;
}

export interface TimelineEntryRecord {
  event: TimelineEvent;
  atMs: number;
  attempt: number | null;
  reason: string | null;
}

type SentRow = {
  message_id: string;
  recipient_did: string;
  correlation_id: string;
  priority_rank: number;
  accepted_at_ms: number;
  state: string;
  state_at_ms: number;
  attempts: number;
};

const toSentMessage = (row: SentRow): SentMessageRecord => ({
  messageId: row.message_id,
  recipientDid: row.recipient_did,
  correlationId: row.correlation_id,
  priority: PRIORITIES[row.priority_rank] ?? "normal",
  acceptedAtMs: row.accepted_at_ms,
  state: row.state as SentState,
  stateAtMs: row.state_at_ms,
  attempts: row.attempts,
});

/** The sender's record of its messages and what happened to each, kept for retention after the last change. */
export function createTimelineStore(db: SqlRunner) {
  return {
    /** Creates the row in state `queued` unless it exists; true when it was created. */
    insertIfAbsent(input: {
      messageId: string;
      recipientDid: string;
      correlationId: string;
      priority: Priority;
      acceptedAtMs: number;
      nowMs: number;
    }): boolean {
      const inserted = db.first(
        `INSERT INTO sent_messages (message_id, recipient_did, correlation_id, priority_rank, accepted_at_ms, state,
           state_at_ms, attempts, updated_at_ms)
         VALUES (?, ?, ?, ?, ?, 'queued', ?, 0, ?) ON CONFLICT DO NOTHING RETURNING message_id`,
        input.messageId,
        input.recipientDid,
        input.correlationId,
        PRIORITY_RANK[input.priority],
        input.acceptedAtMs,
        input.acceptedAtMs,
        input.nowMs,
      );
      return inserted !== undefined;
    },
    get(messageId: string, recipientDid: string): SentMessageRecord | undefined {
      const row = db.first<SentRow>(
        "SELECT * FROM sent_messages WHERE message_id = ? AND recipient_did = ?",
        messageId,
        recipientDid,
      );
      return row && toSentMessage(row);
    },
    /** The most recently accepted message with this id (an id is meant to go to one recipient). */
    findLatest(messageId: string): SentMessageRecord | undefined {
      const row = db.first<SentRow>(
        "SELECT * FROM sent_messages WHERE message_id = ? ORDER BY accepted_at_ms DESC LIMIT 1",
        messageId,
      );
      return row && toSentMessage(row);
    },
    update(record: SentMessageRecord, nowMs: number): void {
      db.run(
        `UPDATE sent_messages SET state = ?, state_at_ms = ?, attempts = ?, updated_at_ms = ?
         WHERE message_id = ? AND recipient_did = ?`,
        record.state,
        record.stateAtMs,
        record.attempts,
        nowMs,
        record.messageId,
        record.recipientDid,
      );
    },
    /** Appends an entry once per `dedupeKey`; false when it was already there. */
    addEvent(input: {
      messageId: string;
      recipientDid: string;
      event: TimelineEvent;
      atMs: number;
      attempt?: number;
      reason?: string;
      dedupeKey: string;
    }): boolean {
      const inserted = db.first(
        `INSERT INTO message_events (message_id, recipient_did, event, at_ms, attempt, reason, dedupe_key)
         VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING seq`,
        input.messageId,
        input.recipientDid,
        input.event,
        input.atMs,
        input.attempt ?? null,
        input.reason ?? null,
        input.dedupeKey,
      );
      return inserted !== undefined;
    },
    events(messageId: string, recipientDid: string): TimelineEntryRecord[] {
      return db
        .all<{ event: string; at_ms: number; attempt: number | null; reason: string | null }>(
          `SELECT event, at_ms, attempt, reason FROM message_events WHERE message_id = ? AND recipient_did = ?
           ORDER BY at_ms, seq`,
          messageId,
          recipientDid,
        )
        .map((row) => ({
          event: row.event as TimelineEvent,
          atMs: row.at_ms,
          attempt: row.attempt,
          reason: row.reason,
        }));
    },
    oldestUpdatedAtMs(): number | null {
      return db.first<{ value: number | null }>("SELECT MIN(updated_at_ms) AS value FROM sent_messages")?.value ?? null;
    },
    /** Drops messages unchanged since `beforeMs`, with their timelines. */
    prune(beforeMs: number, limit: number): number {
      const pruned = pruneOlderThan<{ message_id: string; recipient_did: string }>(
        db,
        {
          table: "sent_messages",
          key: "(message_id, recipient_did)",
          column: "updated_at_ms",
          returning: "message_id, recipient_did",
        },
        beforeMs,
        limit,
      );
      for (const row of pruned) {
        db.run(
          "DELETE FROM message_events WHERE message_id = ? AND recipient_did = ?",
          row.message_id,
          row.recipient_did,
        );
      }
      return pruned.length;
    },
  };
}
export type TimelineStore = ReturnType<typeof createTimelineStore>;
