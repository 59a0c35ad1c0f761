import { PRIORITIES, PRIORITY_RANK, type Priority } from "@clawdentity/protocol";
import { createHeldValue, forgettingRunner, type SqlRunner } from "../../storage";
import { createInFlightSet } from "./in-flight-set";
import { createMessageDepth, type DepthKey } from "./message-depth";
import { type MessageRecord, type MessageRow, type NewMessage, toMessageRecord } from "./message-record";

export type { MessageRecord, MessageState, NewMessage } from "./message-record";

/** The live states; a write that moves a row in or out of them moves the held depth counts. */
const LIVE = "state IN ('queued', 'waiting', 'in_flight')";

const byteLength = (text: string) => new TextEncoder().encode(text).byteLength;

/**
 * Every query here walks an index; none reads or rewrites the whole queue. Each index is partial
 * on the states its queries ask for, so a row pays an index entry only while it is in them
 * (schema.ts, migration 5), and the depth counts are held in memory instead of kept by triggers.
 */
export function createMessageStore(db: SqlRunner) {
  const select = (where: string, ...bindings: SqlStorageValue[]) =>
    db.all<MessageRow>(`SELECT * FROM messages WHERE ${where}`, ...bindings).map(toMessageRecord);
  const selectOne = (where: string, ...bindings: SqlStorageValue[]) => select(`${where} LIMIT 1`, ...bindings)[0];
  const minOf = (query: string, ...bindings: SqlStorageValue[]) =>
    db.first<{ value: number | null }>(query, ...bindings)?.value ?? null;
  const minDue = (state: "waiting" | "in_flight") =>
    minOf(`SELECT MIN(due_at_ms) AS value FROM messages WHERE state = '${state}'`);
  // Asked on every reschedule; every write below forgets them.
  const nextDue = createHeldValue(() => {
    const due = [minDue("waiting"), minDue("in_flight")].filter((ms) => ms !== null);
    return due.length === 0 ? null : Math.min(...due);
  });
  const nextExpiry = createHeldValue(() =>
    minOf("SELECT MIN(expires_at_ms) AS value FROM messages WHERE state IN ('queued', 'waiting')"),
  );
  const forget = () => {
    nextDue.forget();
    nextExpiry.forget();
  };
  const change = forgettingRunner(db, forget);
  const depth = createMessageDepth(db);
  const inFlight = createInFlightSet(db);
  /** Runs a write that returns the sender and priority of each row it moved across the live boundary. */
  const moveLive = (move: "add" | "remove", query: string, ...bindings: SqlStorageValue[]) => {
    for (const key of change.all<DepthKey & Record<string, SqlStorageValue>>(query, ...bindings)) depth[move](key);
  };

  return {
    /** Drops the held due and expiry times and depth counts, after a transaction that changed them rolled back. */
    forget(): void {
      forget();
      depth.forget();
      inFlight.forget();
    },
    /**
     * A new message is queued: no due time moves (those are of waiting and in-flight rows), and
     * the next expiry moves only earlier, so what is held is adjusted rather than read again.
     */
    insert(message: NewMessage): void {
      db.run(
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
      depth.add({ sender_did: message.senderDid, priority_rank: PRIORITY_RANK[message.priority] });
      nextExpiry.adjust((held) => (held === null ? message.expiresAtMs : Math.min(held, message.expiresAtMs)));
    },
    find(senderDid: string, messageId: string): MessageRecord | undefined {
      return selectOne("message_id = ? AND sender_did = ?", messageId, senderDid);
    },
    findInFlight(messageId: string): MessageRecord | undefined {
      return selectOne("message_id = ? AND state = 'in_flight'", messageId);
    },
    /** A late positive ack may name a message that timed out and went back to the queue. */
    findUndelivered(messageId: string): MessageRecord | undefined {
      return selectOne("message_id = ? AND state IN ('queued', 'waiting')", messageId);
    },
    depthByPriority(): Record<Priority, number> {
      return depth.byPriority();
    },
    totalDepth(): number {
      return depth.total();
    },
    senderDepth(senderDid: string): number {
      return depth.sender(senderDid);
    },
    inFlightCount(): number {
      return inFlight.size();
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
        `state = 'queued' AND NOT EXISTS
           (SELECT 1 FROM messages AS other WHERE other.message_id = messages.message_id AND other.state = 'in_flight')
         ORDER BY priority_rank, seq LIMIT ?`,
        limit,
      );
    },
    markInFlight(seq: number, nowMs: number, ackDeadlineMs: number): void {
      inFlight.add(seq);
      change.run(
        `UPDATE messages SET state = 'in_flight', attempts = attempts + 1, last_attempt_at_ms = ?, due_at_ms = ?
         WHERE seq = ?`,
        nowMs,
        ackDeadlineMs,
        seq,
      );
    },
    markDelivered(seq: number, nowMs: number): void {
      inFlight.remove(seq);
      moveLive(
        "remove",
        `UPDATE messages SET state = 'delivered', delivered_at_ms = ?, due_at_ms = NULL, payload = NULL
         WHERE seq = ? AND ${LIVE} RETURNING sender_did, priority_rank`,
        nowMs,
        seq,
      );
    },
    markWaiting(seq: number, dueAtMs: number, error: string | null): void {
      inFlight.remove(seq);
      change.run(
        "UPDATE messages SET state = 'waiting', due_at_ms = ?, last_error = ? WHERE seq = ?",
        dueAtMs,
        error,
        seq,
      );
    },
    markQueued(seq: number, error: string | null): void {
      inFlight.remove(seq);
      change.run("UPDATE messages SET state = 'queued', due_at_ms = NULL, last_error = ? WHERE seq = ?", error, seq);
    },
    markDeadLettered(seq: number, error: string): void {
      inFlight.remove(seq);
      moveLive(
        "remove",
        `UPDATE messages SET state = 'dead_lettered', due_at_ms = NULL, last_error = ?
         WHERE seq = ? AND ${LIVE} RETURNING sender_did, priority_rank`,
        error,
        seq,
      );
    },
    /** Messages sent on a socket that went away go back to the queue, keeping their order and attempts. */
    requeueInFlight(): void {
      inFlight.clear();
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
    /** The accept time of the in-flight message or of the next to expire (with one TTL, the oldest), whichever is older. */
    oldestLiveAcceptedAtMs(): number | null {
      const times = [
        minOf("SELECT MIN(accepted_at_ms) AS value FROM messages WHERE state = 'in_flight'"),
        minOf(
          `SELECT accepted_at_ms AS value FROM messages WHERE state IN ('queued', 'waiting')
           ORDER BY expires_at_ms LIMIT 1`,
        ),
      ].filter((ms) => ms !== null);
      return times.length === 0 ? null : Math.min(...times);
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
    /** Live messages: those in flight, then queued or backing off, next to expire first. */
    live(limit: number): MessageRecord[] {
      const inFlight = select("state = 'in_flight' ORDER BY due_at_ms LIMIT ?", limit);
      const left = limit - inFlight.length;
      if (left === 0) return inFlight;
      return [...inFlight, ...select("state IN ('queued', 'waiting') ORDER BY expires_at_ms LIMIT ?", left)];
    },
    /** A dead letter goes back to the queue with fresh attempts and a fresh TTL. */
    requeueDeadLettered(seq: number, nowMs: number, expiresAtMs: number): void {
      moveLive(
        "add",
        `UPDATE messages SET state = 'queued', attempts = 0, queued_at_ms = ?, expires_at_ms = ?, due_at_ms = NULL,
           last_error = 'retried' WHERE seq = ? AND state = 'dead_lettered' RETURNING sender_did, priority_rank`,
        nowMs,
        expiresAtMs,
        seq,
      );
    },
  };
}
export type MessageStore = ReturnType<typeof createMessageStore>;
