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

/**
 * Dead letters, and how many are held per reason (`dead_letter_depth`): every statement here that
 * adds or removes a dead letter moves that count in the same transaction.
 */
export function createDeadLetterStore(db: SqlRunner) {
  const countIn = (reason: string) =>
    db.run(
      `INSERT INTO dead_letter_depth (reason, count) VALUES (?, 1)
       ON CONFLICT (reason) DO UPDATE SET count = count + 1`,
      reason,
    );
  const countOut = (reasons: readonly string[]) => {
    const removed = new Map<string, number>();
    for (const reason of reasons) removed.set(reason, (removed.get(reason) ?? 0) + 1);
    for (const [reason, count] of removed) {
      db.run("UPDATE dead_letter_depth SET count = count - ? WHERE reason = ?", count, reason);
    }
  };

  return {
    /** A message dead-lettered again keeps its row (and the count its first reason was counted under). */
    insert(input: Omit<DeadLetterRecord, "seq">): void {
      const inserted = db.first<{ seq: number }>(
        `INSERT INTO dead_letters (sender_did, message_id, reason, attempts, dead_lettered_at_ms) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (sender_did, message_id) DO NOTHING RETURNING seq`,
        input.senderDid,
        input.messageId,
        input.reason,
        input.attempts,
        input.deadLetteredAtMs,
      );
      if (inserted) {
        countIn(input.reason);
        return;
      }
      db.run(
        `UPDATE dead_letters SET reason = ?, attempts = ?, dead_lettered_at_ms = ?
         WHERE sender_did = ? AND message_id = ?`,
        input.reason,
        input.attempts,
        input.deadLetteredAtMs,
        input.senderDid,
        input.messageId,
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
      const removed = db.all<{ reason: string }>("DELETE FROM dead_letters WHERE seq = ? RETURNING reason", seq);
      countOut(removed.map((row) => row.reason));
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
      const pruned = pruneOlderThan<{ sender_did: string; message_id: string; reason: string }>(
        db,
        {
          table: "dead_letters",
          key: "seq",
          column: "dead_lettered_at_ms",
          returning: "sender_did, message_id, reason",
        },
        beforeMs,
        limit,
      );
      countOut(pruned.map((row) => row.reason));
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
