import { PRIORITIES, PRIORITY_RANK, type Priority } from "@clawdentity/protocol";
import { createHeldValue, forgettingRunner, type SqlRunner } from "../../storage";

/**
 * `queued` waits for a socket slot, `waiting` sits out a backoff, `in_flight` awaits its
 * `deliver_ack`; `delivered` and `dead_lettered` are terminal and keep the row (without the
 * payload once delivered) as the delivery record until retention prunes it.
 */
export type MessageState = "queued" | "waiting" | "in_flight" | "delivered" | "dead_lettered";

export interface MessageRecord {
  seq: number;
  senderDid: string;
  messageId: string;
  correlationId: string;
  priority: Priority;
  conversationId: string | null;
  replyTo: string | null;
  traceparent: string | null;
  payload: string | null;
  payloadBytes: number;
  state: MessageState;
  attempts: number;
  acceptedAtMs: number;
  queuedAtMs: number;
  expiresAtMs: number;
  dueAtMs: number | null;
  lastAttemptAtMs: number | null;
  deliveredAtMs: number | null;
  lastError: string | null;
}

export type NewMessage = Pick<
  MessageRecord,
  | "senderDid"
  | "messageId"
  | "correlationId"
  | "priority"
  | "conversationId"
  | "replyTo"
  | "traceparent"
  | "acceptedAtMs"
  | "queuedAtMs"
  | "expiresAtMs"
> & { payload: string };

type MessageRow = {
  seq: number;
  sender_did: string;
  message_id: string;
  correlation_id: string;
  priority_rank: number;
  conversation_id: string | null;
  reply_to: string | null;
  traceparent: string | null;
  payload: string | null;
  payload_bytes: number;
  state: string;
  attempts: number;
  accepted_at_ms: number;
  queued_at_ms: number;
  expires_at_ms: number;
  due_at_ms: number | null;
  last_attempt_at_ms: number | null;
  delivered_at_ms: number | null;
  last_error: string | null;
};

const toMessageRecord = (row: MessageRow): MessageRecord => ({
  seq: row.seq,
  senderDid: row.sender_did,
  messageId: row.message_id,
  correlationId: row.correlation_id,
  priority: PRIORITIES[row.priority_rank] ?? "normal",
  conversationId: row.conversation_id,
  replyTo: row.reply_to,
  traceparent: row.traceparent,
  payload: row.payload,
  payloadBytes: row.payload_bytes,
  state: row.state as MessageState,
  attempts: row.attempts,
  acceptedAtMs: row.accepted_at_ms,
  queuedAtMs: row.queued_at_ms,
  expiresAtMs: row.expires_at_ms,
  dueAtMs: row.due_at_ms,
  lastAttemptAtMs: row.last_attempt_at_ms,
  deliveredAtMs: row.delivered_at_ms,
  lastError: row.last_error,
});

const byteLength = (text: string) => new TextEncoder().encode(text).byteLength;

/** Every query here walks an index; none reads or rewrites the whole queue. */
export function createMessageStore(db: SqlRunner) {
  const select = (where: string, ...bindings: SqlStorageValue[]) =>
    db.all<MessageRow>(`SELECT * FROM messages WHERE ${where}`, ...bindings).map(toMessageRecord);
  const selectOne = (where: string, ...bindings: SqlStorageValue[]) => select(`${where} LIMIT 1`, ...bindings)[0];
  const minOf = (query: string, ...bindings: SqlStorageValue[]) =>
    db.first<{ value: number | null }>(query, ...bindings)?.value ?? null;
  // Asked on every reschedule; every write below forgets them.
  const nextDue = createHeldValue(() =>
    minOf("SELECT MIN(due_at_ms) AS value FROM messages WHERE state IN ('waiting', 'in_flight')"),
  );
  const nextExpiry = createHeldValue(() =>
    minOf("SELECT MIN(expires_at_ms) AS value FROM messages WHERE state IN ('queued', 'waiting')"),
  );
  const forget = () => {
    nextDue.forget();
    nextExpiry.forget();
  };
  const change = forgettingRunner(db, forget);

  return {
    /** Drops the held due and expiry times, after a transaction that changed them rolled back. */
    forget,
    insert(message: NewMessage): void {
      change.run(
        `INSERT INTO messages (sender_did, message_id, correlation_id, priority_rank, conversation_id, reply_to,
           traceparent, payload, payload_bytes, state, attempts, accepted_at_ms, queued_at_ms, expires_at_ms)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'queued', 0, ?, ?, ?)`,
        message.senderDid,
        message.messageId,
        message.correlationId,
        PRIORITY_RANK[message.priority],
        message.conversationId,
        message.replyTo,
        message.traceparent,
        message.payload,
        byteLength(message.payload),
        message.acceptedAtMs,
        message.queuedAtMs,
        message.expiresAtMs,
      );
    },
    find(senderDid: string, messageId: string): MessageRecord | undefined {
      return selectOne("sender_did = ? AND message_id = ?", senderDid, messageId);
    },
    findInFlight(messageId: string): MessageRecord | undefined {
      return selectOne("message_id = ? AND state = 'in_flight'", messageId);
    },
    /** A late positive ack may name a message that timed out and went back to the queue. */
    findUndelivered(messageId: string): MessageRecord | undefined {
      return selectOne("message_id = ? AND state IN ('queued', 'waiting')", messageId);
    },
    depthByPriority(): Record<Priority, number> {
      const depth: Record<Priority, number> = { critical: 0, normal: 0, low: 0 };
      for (const row of db.all<{ priority_rank: number; count: number }>(
        "SELECT priority_rank, count FROM queue_depth",
      )) {
        const priority = PRIORITIES[row.priority_rank];
        if (priority) depth[priority] = row.count;
      }
      return depth;
    },
    totalDepth(): number {
      return db.first<{ total: number }>("SELECT SUM(count) AS total FROM queue_depth")?.total ?? 0;
    },
    senderDepth(senderDid: string): number {
      return db.first<{ count: number }>("SELECT count FROM sender_depth WHERE sender_did = ?", senderDid)?.count ?? 0;
    },
    inFlightCount(): number {
      return db.first<{ n: number }>("SELECT COUNT(*) AS n FROM messages WHERE state = 'in_flight'")?.n ?? 0;
    },
    /** The oldest not-in-flight message of strictly lower priority than `rank`, lowest priority first. */
    findSheddable(rank: number, senderDid?: string): MessageRecord | undefined {
      for (let victimRank = PRIORITIES.length - 1; victimRank > rank; victimRank--) {
        const victim = senderDid
          ? selectOne(
              "sender_did = ? AND priority_rank = ? AND state IN ('queued', 'waiting') ORDER BY seq",
              senderDid,
              victimRank,
            )
          : selectOne("priority_rank = ? AND state IN ('queued', 'waiting') ORDER BY seq", victimRank);
        if (victim) return victim;
      }
      return undefined;
    },
    /** Ready messages in delivery order: priority, then age; skips ids already in flight. */
    nextReady(limit: number): MessageRecord[] {
      return select(
        `state = 'queued' AND message_id NOT IN (SELECT message_id FROM messages WHERE state = 'in_flight')
         ORDER BY priority_rank, seq LIMIT ?`,
        limit,
      );
    },
    markInFlight(seq: number, nowMs: number, ackDeadlineMs: number): void {
      change.run(
        `UPDATE messages SET state = 'in_flight', attempts = attempts + 1, last_attempt_at_ms = ?, due_at_ms = ?
         WHERE seq = ?`,
        nowMs,
        ackDeadlineMs,
        seq,
      );
    },
    markDelivered(seq: number, nowMs: number): void {
      change.run(
        "UPDATE messages SET state = 'delivered', delivered_at_ms = ?, due_at_ms = NULL, payload = NULL WHERE seq = ?",
        nowMs,
        seq,
      );
    },
    markWaiting(seq: number, dueAtMs: number, error: string | null): void {
      change.run(
        "UPDATE messages SET state = 'waiting', due_at_ms = ?, last_error = ? WHERE seq = ?",
        dueAtMs,
        error,
        seq,
      );
    },
    markQueued(seq: number, error: string | null): void {
      change.run("UPDATE messages SET state = 'queued', due_at_ms = NULL, last_error = ? WHERE seq = ?", error, seq);
    },
    markDeadLettered(seq: number, error: string): void {
      change.run(
        "UPDATE messages SET state = 'dead_lettered', due_at_ms = NULL, last_error = ? WHERE seq = ?",
        error,
        seq,
      );
    },
    /** Messages sent on a socket that went away go back to the queue, keeping their order and attempts. */
    requeueInFlight(): void {
      change.run("UPDATE messages SET state = 'queued', due_at_ms = NULL WHERE state = 'in_flight'");
    },
    dueWaiting(nowMs: number, limit: number): MessageRecord[] {
      return select("state = 'waiting' AND due_at_ms <= ? ORDER BY due_at_ms LIMIT ?", nowMs, limit);
    },
    overdueInFlight(nowMs: number, limit: number): MessageRecord[] {
      return select("state = 'in_flight' AND due_at_ms <= ? ORDER BY due_at_ms LIMIT ?", nowMs, limit);
    },
    expired(nowMs: number, limit: number): MessageRecord[] {
      return select(
        "state IN ('queued', 'waiting') AND expires_at_ms <= ? ORDER BY expires_at_ms LIMIT ?",
        nowMs,
        limit,
      );
    },
    nextDueAtMs(): number | null {
      return nextDue.get();
    },
    nextExpiryAtMs(): number | null {
      return nextExpiry.get();
    },
    oldestLiveAcceptedAtMs(): number | null {
      return minOf(
        "SELECT MIN(accepted_at_ms) AS value FROM messages WHERE state IN ('queued', 'waiting', 'in_flight')",
      );
    },
    oldestDeliveredAtMs(): number | null {
      return minOf("SELECT MIN(delivered_at_ms) AS value FROM messages WHERE state = 'delivered'");
    },
    /** Drops delivery records past retention; a resend of such an id is then accepted as new. */
    pruneDelivered(beforeMs: number, limit: number): number {
      return change.all(
        `DELETE FROM messages WHERE seq IN
           (SELECT seq FROM messages WHERE state = 'delivered' AND delivered_at_ms <= ? LIMIT ?) RETURNING seq`,
        beforeMs,
        limit,
      ).length;
    },
    /** Live messages (queued, backing off or in flight), oldest first. */
    live(limit: number): MessageRecord[] {
      return select("state IN ('queued', 'waiting', 'in_flight') ORDER BY accepted_at_ms LIMIT ?", limit);
    },
    /** A dead letter goes back to the queue with fresh attempts and a fresh TTL. */
    requeueDeadLettered(seq: number, nowMs: number, expiresAtMs: number): void {
      change.run(
        `UPDATE messages SET state = 'queued', attempts = 0, queued_at_ms = ?, expires_at_ms = ?, due_at_ms = NULL,
           last_error = 'retried' WHERE seq = ? AND state = 'dead_lettered'`,
        nowMs,
        expiresAtMs,
        seq,
      );
    },
    deleteBySeq(seq: number): void {
      change.run("DELETE FROM messages WHERE seq = ?", seq);
    },
  };
}
export type MessageStore = ReturnType<typeof createMessageStore>;
