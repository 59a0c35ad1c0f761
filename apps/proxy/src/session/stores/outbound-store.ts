import { createHeldValue, forgettingRunner, pruneHeadOlderThan, type SqlRunner } from "../../storage";

/**
 * `receipt`: a `delivery_receipt` event for the `clawdentity-receipts` queue (the relay's own
 * `dead_lettered` receipt or one the agent posted), owed until the sender's session confirms it stored the event.
 * `progress`: a delivery report for the sender's own session, done (and deleted) when that call returns.
 */
export type OutboundKind = "receipt" | "progress";

export interface OutboundRecord {
  id: string;
  kind: OutboundKind;
  /** The agent whose session the row is for: the original message's sender. */
  targetDid: string;
  body: string;
  attempts: number;
  createdAtMs: number;
}

type OutboundRow = {
  id: string;
  kind: string;
  target_did: string;
  body: string;
  attempts: number;
  created_at_ms: number;
};

const toOutboundRecord = (row: OutboundRow): OutboundRecord => ({
  id: row.id,
  kind: row.kind as OutboundKind,
  targetDid: row.target_did,
  body: row.body,
  attempts: row.attempts,
  createdAtMs: row.created_at_ms,
});

/** What this session owes other sessions, written in the transaction that caused it and sent after. */
export function createOutboundStore(db: SqlRunner) {
  const minOf = (query: string, ...bindings: SqlStorageValue[]) =>
    db.first<{ value: number | null }>(query, ...bindings)?.value ?? null;
  // Asked on every reschedule; every write below that may move it forgets it.
  const nextDue = createHeldValue(() =>
    minOf("SELECT MIN(next_attempt_at_ms) AS value FROM outbound WHERE sent_at_ms IS NULL"),
  );
  const change = forgettingRunner(db, nextDue.forget);

  return {
    /** Drops the held next due time, after a transaction that changed it rolled back. */
    forget: nextDue.forget,
    /** False when a row with the same dedupe key exists (sent or not); a row without one is always new. */
    insert(input: {
      id: string;
      kind: OutboundKind;
      targetDid: string;
      dedupeKey: string | null;
      body: string;
      nowMs: number;
    }) {
      const inserted = change.first(
        `INSERT INTO outbound (id, kind, target_did, dedupe_key, body, created_at_ms, next_attempt_at_ms)
         VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (dedupe_key) WHERE dedupe_key IS NOT NULL DO NOTHING RETURNING id`,
        input.id,
        input.kind,
        input.targetDid,
        input.dedupeKey,
        input.body,
        input.nowMs,
        input.nowMs,
      );
      return inserted !== undefined;
    },
    due(nowMs: number, limit: number): OutboundRecord[] {
      return db
        .all<OutboundRow>(
          `SELECT id, kind, target_did, body, attempts, created_at_ms FROM outbound
           WHERE sent_at_ms IS NULL AND next_attempt_at_ms <= ? ORDER BY next_attempt_at_ms LIMIT ?`,
          nowMs,
          limit,
        )
        .map(toOutboundRecord);
    },
    /** A report the sender's session stored: nothing is kept of it. */
    remove(id: string): void {
      change.run("DELETE FROM outbound WHERE id = ?", id);
    },
    /** Handed to the queue: owed until confirmed, published again at `nextAttemptAtMs` if not. */
    markPublished(id: string, nowMs: number, nextAttemptAtMs: number): void {
      change.run(
        `UPDATE outbound SET attempts = attempts + 1, published_at_ms = ?, next_attempt_at_ms = ?, last_error = NULL
         WHERE id = ? AND sent_at_ms IS NULL`,
        nowMs,
        nextAttemptAtMs,
        id,
      );
    },
    /** The sender's session stored these events; returns how many were still owed. */
    confirm(ids: readonly string[], nowMs: number): number {
      let confirmed = 0;
      for (const id of ids) {
        confirmed += change.all(
          `UPDATE outbound SET sent_at_ms = ?, next_attempt_at_ms = NULL, last_error = NULL
           WHERE id = ? AND kind = 'receipt' AND sent_at_ms IS NULL RETURNING id`,
          nowMs,
          id,
        ).length;
      }
      return confirmed;
    },
    /** No longer owed, though never confirmed: kept (with why) until retention like a sent row. */
    abandon(id: string, nowMs: number, error: string): void {
      change.run(
        "UPDATE outbound SET sent_at_ms = ?, next_attempt_at_ms = NULL, last_error = ? WHERE id = ? AND sent_at_ms IS NULL",
        nowMs,
        error.slice(0, 500),
        id,
      );
    },
    /** Published at least once and not confirmed yet. */
    unconfirmedCount(): number {
      return (
        db.first<{ n: number }>(
          "SELECT COUNT(*) AS n FROM outbound WHERE sent_at_ms IS NULL AND published_at_ms IS NOT NULL",
        )?.n ?? 0
      );
    },
    markFailed(id: string, nextAttemptAtMs: number, error: string): void {
      change.run(
        "UPDATE outbound SET attempts = attempts + 1, next_attempt_at_ms = ?, last_error = ? WHERE id = ? AND sent_at_ms IS NULL",
        nextAttemptAtMs,
        error.slice(0, 500),
        id,
      );
    },
    nextDueAtMs(): number | null {
      return nextDue.get();
    },
    unsentCount(): number {
      return db.first<{ n: number }>("SELECT COUNT(*) AS n FROM outbound WHERE sent_at_ms IS NULL")?.n ?? 0;
    },
    /**
     * The settled time of the first settled row in key order (ids are ULIDs, so creation order):
     * the one `pruneSent` looks at first. Rows still owed are skipped, and they are few.
     */
    oldestSentAtMs(): number | null {
      return minOf("SELECT sent_at_ms AS value FROM outbound WHERE sent_at_ms IS NOT NULL ORDER BY id LIMIT 1");
    },
    /**
     * Settled receipt rows are kept for retention so a repeated receipt is answered `duplicate`
     * without a resend; taken in key order, so settling pays no index entry.
     */
    pruneSent(beforeMs: number, limit: number): number {
      const spec = { table: "outbound", key: "id", column: "sent_at_ms", where: "sent_at_ms IS NOT NULL" };
      return pruneHeadOlderThan(db, spec, beforeMs, limit).length;
    },
  };
}
export type OutboundStore = ReturnType<typeof createOutboundStore>;
