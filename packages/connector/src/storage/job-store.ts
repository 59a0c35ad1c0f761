import type { ConnectorDatabase } from "./database";
import { createClaimDue, createQueueQueries, withoutFsync } from "./queue-queries";

export const JOB_STATES = ["pending", "done", "failed"] as const;
export type JobState = (typeof JOB_STATES)[number];

/** One small JSON POST waiting to be made: a delivery receipt for the proxy or a notice for the runtime. */
export interface JobRow {
  id: number;
  messageId: string;
  /** The exact JSON body to POST. */
  body: string;
  state: JobState;
  attempts: number;
  nextAttemptAt: number;
  leaseUntil: number | null;
  expiresAt: number;
  createdAt: number;
  updatedAt: number;
  lastError: string | null;
}

const COLUMNS = `id, message_id AS messageId, body, state, attempts, next_attempt_at AS nextAttemptAt,
  lease_until AS leaseUntil, expires_at AS expiresAt, created_at AS createdAt, updated_at AS updatedAt,
  last_error AS lastError`;

export type JobTable = "receipt_outbox" | "runtime_notifications";
export type JobStore = ReturnType<typeof createJobStore>;

/** A leased work queue in one table; the receipt outbox and runtime notifications share this shape. */
export function createJobStore(db: ConnectorDatabase, table: JobTable) {
  const insert = db.prepare(`INSERT INTO ${table} (message_id, body, state, attempts, next_attempt_at, expires_at,
    created_at, updated_at) VALUES (@messageId, @body, 'pending', 0, @now, @expiresAt, @now, @now)`);
  const claim = db.prepare(`UPDATE ${table} SET lease_until = @leaseUntil WHERE id IN (
      SELECT id FROM ${table} WHERE state = 'pending' AND next_attempt_at <= @now
        AND (lease_until IS NULL OR lease_until <= @now)
      ORDER BY next_attempt_at, id LIMIT @limit)
    RETURNING ${COLUMNS}`);
  const release = db.prepare(`UPDATE ${table} SET lease_until = NULL WHERE id = ? AND state = 'pending'`);
  const finish = db.prepare(`UPDATE ${table} SET state = @state, attempts = attempts + @spent, lease_until = NULL,
    updated_at = @now, last_error = @error WHERE id = @id AND state = 'pending'`);
  const retry = db.prepare(`UPDATE ${table} SET attempts = attempts + 1, lease_until = NULL,
    next_attempt_at = @nextAttemptAt, updated_at = @now, last_error = @error WHERE id = @id AND state = 'pending'`);
  const postpone = db.prepare(`UPDATE ${table} SET lease_until = NULL, next_attempt_at = @nextAttemptAt,
    updated_at = @now, last_error = @error WHERE id = @id AND state = 'pending'`);
  const revive = db.prepare(`UPDATE ${table} SET state = 'pending', attempts = 0, next_attempt_at = @now,
    expires_at = @now + @ttlMs, lease_until = NULL, updated_at = @now WHERE id = @id AND state = 'failed'`);
  const get = db.prepare(`SELECT ${COLUMNS} FROM ${table} WHERE id = ?`);
  const listForMessage = db.prepare(`SELECT ${COLUMNS} FROM ${table} WHERE message_id = ? ORDER BY id`);
  const prune = db.prepare(`DELETE FROM ${table} WHERE state <> 'pending' AND updated_at < ?`);

  /**
   * Not fsynced, one commit for them all: a job whose completion a power cut loses is posted once
   * more, and both receipts (to the proxy) and notices (to the runtime, under the same webhook-id)
   * are idempotent there.
   */
  const markAllDone = (ids: readonly number[], now: number): void => {
    withoutFsync(db, () =>
      db.transaction(() => {
        for (const id of ids) finish.run({ id, now, state: "done", error: null, spent: 1 });
      })(),
    );
  };

  const queue = createQueueQueries<JobState>(db, {
    table,
    stateColumn: "state",
    waitingState: "pending",
    states: JOB_STATES,
  });

  return {
    enqueue(input: { messageId: string; body: unknown; now: number; ttlMs: number }): void {
      insert.run({
        messageId: input.messageId,
        body: JSON.stringify(input.body),
        now: input.now,
        expiresAt: input.now + input.ttlMs,
      });
    },
    claimDue: createClaimDue<JobRow>(claim, (a, b) => a.id - b.id),
    release(id: number): void {
      release.run(id);
    },
    markAllDone,
    markFailed(id: number, now: number, error: string, spent = 1): void {
      finish.run({ id, now, state: "failed", error, spent });
    },
    scheduleRetry(input: { id: number; now: number; nextAttemptAt: number; error: string }): void {
      retry.run(input);
    },
    /** Back in the queue at `nextAttemptAt` without spending an attempt (a misconfigured webhook). */
    postpone(input: { id: number; now: number; nextAttemptAt: number; error: string }): void {
      postpone.run(input);
    },
    /** Puts a given-up row back in the queue, due now, with a fresh attempt budget and TTL; lastError stays. */
    revive(id: number, now: number, ttlMs: number): boolean {
      return revive.run({ id, now, ttlMs }).changes === 1;
    },
    recoverLeases: queue.recoverLeases,
    get(id: number): JobRow | undefined {
      return get.get(id) as JobRow | undefined;
    },
    listForMessage(messageId: string): JobRow[] {
      return listForMessage.all(messageId) as JobRow[];
    },
    countByState: queue.countByState,
    nextDueAt: queue.nextDueAt,
    pruneFinished(cutoff: number): number {
      return prune.run(cutoff).changes;
    },
  };
}
