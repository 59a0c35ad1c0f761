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

/** One entry of a message's timeline; `key` makes a redelivered report or receipt add nothing. */
export interface TimelineEntryRecord {
  event: TimelineEvent;
  atMs: number;
  attempt: number | null;
  reason: string | null;
  key: string;
}

/** A message this agent sent, as its own session knows it, with its timeline in arrival order. */
export interface SentMessageRecord {
  messageId: string;
  recipientDid: string;
  correlationId: string;
  priority: Priority;
  acceptedAtMs: number;
  state: SentState;
  stateAtMs: number;
  attempts: number;
  events: TimelineEntryRecord[];
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
  events: string;
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
  // Written only by this store, from `TimelineEntryRecord`s.
  events: JSON.parse(row.events) as TimelineEntryRecord[],
});

/**
 * The sender's record of its messages and what happened to each: one row per message, its
 * timeline a JSON column written in the same statement as its state, so an event costs one row
 * written. Kept for retention after the accept.
 */
export function createTimelineStore(db: SqlRunner) {
  return {
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
    /** Writes the whole record, creating it or replacing what `get` returned. */
    put(record: SentMessageRecord, nowMs: number): void {
      db.run(
        `INSERT INTO sent_messages (message_id, recipient_did, correlation_id, priority_rank, accepted_at_ms, state,
           state_at_ms, attempts, updated_at_ms, events)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (message_id, recipient_did) DO UPDATE SET state = excluded.state,
           state_at_ms = excluded.state_at_ms, attempts = excluded.attempts, updated_at_ms = excluded.updated_at_ms,
           events = excluded.events`,
        record.messageId,
        record.recipientDid,
        record.correlationId,
        PRIORITY_RANK[record.priority],
        record.acceptedAtMs,
        record.state,
        record.stateAtMs,
        record.attempts,
        nowMs,
        JSON.stringify(record.events),
      );
    },
    oldestAcceptedAtMs(): number | null {
      return (
        db.first<{ value: number | null }>("SELECT MIN(accepted_at_ms) AS value FROM sent_messages")?.value ?? null
      );
    },
    /** Drops messages accepted before `beforeMs`, with their timelines. */
    prune(beforeMs: number, limit: number): number {
      const spec = {
        table: "sent_messages",
        key: "(message_id, recipient_did)",
        column: "accepted_at_ms",
        returning: "message_id",
      };
      return pruneOlderThan(db, spec, beforeMs, limit).length;
    },
  };
}
export type TimelineStore = ReturnType<typeof createTimelineStore>;
