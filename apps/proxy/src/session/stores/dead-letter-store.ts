import { pruneOlderThan, type SqlRunner } from "../../storage";

/** A message the relay gave up on, with why and when; the message row keeps its payload for a retry. */
export interface DeadLetterRecord {
  seq: number;
  senderDid: string;
  messageId: string;
  reason: string;
  attempts: number;
  deadLetteredAtMs: number;
}

type DeadLetterRow = {
  seq: number;
  sender_did: string;
  message_id: string;
  reason: string;
  attempts: number;
  dead_lettered_at_ms: number;
};

const toDeadLetterRecord = (row: DeadLetterRow): DeadLetterRecord => ({
  seq: row.seq,
  senderDid: row.sender_did,
  messageId: row.message_id,
  reason: row.reason,
  attempts: row.attempts,
  deadLetteredAtMs: row.dead_lettered_at_ms,
});

/** A dead letter with what its message row adds, for the agent's dead-letter list. */
export interface DeadLetterView extends DeadLetterRecord {
  correlationId: string;
  priorityRank: number;
}

type DeadLetterViewRow = DeadLetterRow & { correlation_id: string; priority_rank: number };

export function createDeadLetterStore(db: SqlRunner) {
  return {
    insert(input: Omit<DeadLetterRecord, "seq">): void {
      db.run(
        `INSERT INTO dead_letters (sender_did, message_id, reason, attempts, dead_lettered_at_ms) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (sender_did, message_id) DO UPDATE SET reason = excluded.reason, attempts = excluded.attempts,
           dead_lettered_at_ms = excluded.dead_lettered_at_ms`,
        input.senderDid,
        input.messageId,
        input.reason,
        input.attempts,
        input.deadLetteredAtMs,
      );
    },
    find(senderDid: string, messageId: string): DeadLetterRecord | undefined {
      const row = db.first<DeadLetterRow>(
        "SELECT * FROM dead_letters WHERE sender_did = ? AND message_id = ?",
        senderDid,
        messageId,
      );
      return row && toDeadLetterRecord(row);
    },
    /** Newest first, a page at a time. */
    list(limit: number, beforeSeq = Number.MAX_SAFE_INTEGER): DeadLetterRecord[] {
      return db
        .all<DeadLetterRow>("SELECT * FROM dead_letters WHERE seq < ? ORDER BY seq DESC LIMIT ?", beforeSeq, limit)
        .map(toDeadLetterRecord);
    },
    /** Newest first, joined with the message rows. */
    listWithMessages(limit: number): DeadLetterView[] {
      return db
        .all<DeadLetterViewRow>(
          `SELECT d.*, m.correlation_id, m.priority_rank FROM dead_letters d
           JOIN messages m ON m.sender_did = d.sender_did AND m.message_id = d.message_id
           ORDER BY d.seq DESC LIMIT ?`,
          limit,
        )
        .map((row) => ({
          ...toDeadLetterRecord(row),
          correlationId: row.correlation_id,
          priorityRank: row.priority_rank,
        }));
    },
    /** The newest dead letter of `messageId` (from `senderDid`, when given). */
    findByMessageId(messageId: string, senderDid?: string): DeadLetterRecord | undefined {
      const row = senderDid
        ? db.first<DeadLetterRow>(
            "SELECT * FROM dead_letters WHERE sender_did = ? AND message_id = ?",
            senderDid,
            messageId,
          )
        : db.first<DeadLetterRow>(
            "SELECT * FROM dead_letters WHERE message_id = ? ORDER BY seq DESC LIMIT 1",
            messageId,
          );
      return row && toDeadLetterRecord(row);
    },
    delete(seq: number): void {
      db.run("DELETE FROM dead_letters WHERE seq = ?", seq);
    },
    total(): number {
      return db.first<{ total: number | null }>("SELECT SUM(count) AS total FROM dead_letter_depth")?.total ?? 0;
    },
    /** How many dead letters with this reason the relay currently holds. */
    countHeld(reason: string): number {
      return db.first<{ count: number }>("SELECT count FROM dead_letter_depth WHERE reason = ?", reason)?.count ?? 0;
    },
    oldestAtMs(): number | null {
      return (
        db.first<{ value: number | null }>("SELECT MIN(dead_lettered_at_ms) AS value FROM dead_letters")?.value ?? null
      );
    },
    /** Removes dead letters older than `beforeMs` together with their message rows. */
    prune(beforeMs: number, limit: number): number {
      const pruned = pruneOlderThan<{ sender_did: string; message_id: string }>(
        db,
        { table: "dead_letters", key: "seq", column: "dead_lettered_at_ms", returning: "sender_did, message_id" },
        beforeMs,
        limit,
      );
      for (const row of pruned) {
        db.run(
          "DELETE FROM messages WHERE sender_did = ? AND message_id = ? AND state = 'dead_lettered'",
          row.sender_did,
          row.message_id,
        );
      }
      return pruned.length;
    },
  };
}
export type DeadLetterStore = ReturnType<typeof createDeadLetterStore>;
