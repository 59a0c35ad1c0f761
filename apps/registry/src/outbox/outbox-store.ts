import type { QueueEvent } from "@clawdentity/protocol";
import { type SqlGuard, toGuardedInsert } from "../db/guarded-insert";

/** One stored event, as the publisher needs it. `payload` is the full envelope, fixed at write time. */
export interface OutboxRecord {
  id: string;
  type: string;
  payload: string;
  attempts: number;
}

/**
 * An event row written already leased to the request that wrote it, so the cron sweep leaves it
 * alone while that request publishes it right after commit.
 */
export function toOutboxInsert(
  db: D1Database,
  input: { event: QueueEvent; nowMs: number; leaseId: string; leaseUntilMs: number },
  guard?: SqlGuard,
): D1PreparedStatement {
  return toGuardedInsert(
    db,
    "event_outbox",
    {
      id: input.event.id,
      type: input.event.type,
      payload: JSON.stringify(input.event),
      created_at: input.nowMs,
      attempts: 0,
      next_attempt_at: input.nowMs,
      lease_id: input.leaseId,
      lease_until: input.leaseUntilMs,
    },
    guard,
  );
}

/**
 * Leases due, unsent rows in ONE statement: concurrent sweeps (or isolates) can never claim the
 * same row while its lease holds.
 */
export async function claimDueEvents(
  db: D1Database,
  input: { nowMs: number; leaseId: string; leaseUntilMs: number; limit: number },
): Promise<OutboxRecord[]> {
  const { results } = await db
    .prepare(
      `UPDATE event_outbox SET lease_id = ?1, lease_until = ?2
       WHERE id IN (
         SELECT id FROM event_outbox
         WHERE sent_at IS NULL AND next_attempt_at <= ?3 AND (lease_until IS NULL OR lease_until <= ?3)
         ORDER BY next_attempt_at, id LIMIT ?4
       )
       RETURNING id, type, payload, attempts`,
    )
    .bind(input.leaseId, input.leaseUntilMs, input.nowMs, input.limit)
    .all<OutboxRecord>();
  return results.sort((left, right) => left.id.localeCompare(right.id));
}

/** False when the lease was lost (it expired and another sweep took the row). */
export async function markEventSent(
  db: D1Database,
  input: { id: string; leaseId: string; nowMs: number },
): Promise<boolean> {
  const result = await db
    .prepare(
      `UPDATE event_outbox SET sent_at = ?, attempts = attempts + 1, lease_id = NULL, lease_until = NULL, last_error = NULL
       WHERE id = ? AND lease_id = ? AND sent_at IS NULL`,
    )
    .bind(input.nowMs, input.id, input.leaseId)
    .run();
  return result.meta.changes > 0;
}

export async function markEventFailed(
  db: D1Database,
  input: { id: string; leaseId: string; nextAttemptAtMs: number; error: string },
): Promise<void> {
  await db
    .prepare(
      `UPDATE event_outbox SET attempts = attempts + 1, next_attempt_at = ?, lease_id = NULL, lease_until = NULL,
              last_error = ?
       WHERE id = ? AND lease_id = ? AND sent_at IS NULL`,
    )
    .bind(input.nextAttemptAtMs, input.error.slice(0, 500), input.id, input.leaseId)
    .run();
}

/**
 * The newest row always stays: the event feed's cursor is the rowid, and SQLite would hand a pruned
 * maximum rowid out again, behind a reader's cursor.
 */
export async function pruneSentEvents(db: D1Database, sentBeforeMs: number): Promise<number> {
  const result = await db
    .prepare(
      `DELETE FROM event_outbox WHERE sent_at IS NOT NULL AND sent_at < ?
       AND rowid < (SELECT MAX(rowid) FROM event_outbox)`,
    )
    .bind(sentBeforeMs)
    .run();
  return result.meta.changes;
}

/** Creation time of the oldest event still waiting to be published, or null. */
export async function findOldestUnsentAt(db: D1Database): Promise<number | null> {
  const row = await db
    .prepare("SELECT MIN(created_at) AS oldest FROM event_outbox WHERE sent_at IS NULL")
    .first<{ oldest: number | null }>();
  return row?.oldest ?? null;
}

/** One page of the event feed (PROTOCOL.md §11.5): events in commit order after `afterSeq`. */
export async function listFeedEvents(
  db: D1Database,
  input: { afterSeq: number; limit: number },
): Promise<{ seq: number; payload: string }[]> {
  const { results } = await db
    .prepare("SELECT rowid AS seq, payload FROM event_outbox WHERE rowid > ? ORDER BY rowid LIMIT ?")
    .bind(input.afterSeq, input.limit)
    .all<{ seq: number; payload: string }>();
  return results;
}
