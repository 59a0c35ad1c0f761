import { type ConnectorDatabase, openConnectorDatabase } from "./database";
import { createDeadLetterStore } from "./dead-letter-store";
import { createIdempotencyStore } from "./idempotency-store";
import { createInboxStore } from "./inbox-store";
import { createJobStore } from "./job-store";
import { createOutboxStore } from "./outbox-store";
import { createOutcomeCheckStore } from "./outcome-check-store";
import { withoutFsync } from "./queue-queries";
import { createRetention } from "./retention";

export type { ConnectorDatabase } from "./database";
export { openConnectorDatabase } from "./database";
export {
  createDeadLetterStore,
  type DeadLetterFilter,
  type DeadLetterRow,
  type DeadLetterStore,
} from "./dead-letter-store";
export { type ClaimedStart, commitThenClaim, createGroupCommit } from "./group-commit";
export type { IdempotencyRecord, IdempotencyStore } from "./idempotency-store";
export type { InboxRow, InboxStatus, InboxStore, NewInboxMessage } from "./inbox-store";
export type { JobRow, JobState, JobStore } from "./job-store";
export { SCHEMA_VERSION } from "./migrations";
export type { DeadLetterSource, NewOutboxMessage, OutboxReceipt, OutboxRow, OutboxStore } from "./outbox-store";
export type { AwaitingOutcome, OutcomeCheckStore } from "./outcome-check-store";
export type { RetentionResult } from "./retention";

export type ConnectorStorage = ReturnType<typeof createConnectorStorage>;

/** What one write of a group commit came to: its value, or what it threw. */
export type CommitOutcome<T> = { ok: true; value: T } | { ok: false; error: unknown };

/** Every store over one database; `transaction` spans several of them atomically. */
export function createConnectorStorage(db: ConnectorDatabase) {
  const receiptOutbox = createJobStore(db, "receipt_outbox");
  const runtimeNotifications = createJobStore(db, "runtime_notifications");
  const outbox = createOutboxStore(db);
  const inbox = createInboxStore(db);
  const outcomeChecks = createOutcomeCheckStore(db);
  /**
   * Group commit: each write in its own savepoint inside ONE transaction (one fsync), so a write
   * that throws is rolled back alone while the others commit; when the commit itself fails, every
   * write failed. One outcome per write, in order.
   */
  function commitEach<T>(writes: ReadonlyArray<() => T>): Array<CommitOutcome<T>> {
    try {
      return db.transaction(() =>
        writes.map((write): CommitOutcome<T> => {
          try {
            return { ok: true, value: db.transaction(write)() };
          } catch (error) {
            return { ok: false, error };
          }
        }),
      )();
    } catch (error) {
      return writes.map(() => ({ ok: false, error }));
    }
  }
  return {
    db,
    outbox,
    outcomeChecks,
    inbox,
    receiptOutbox,
    runtimeNotifications,
    idempotency: createIdempotencyStore(db),
    deadLetters: createDeadLetterStore(db),
    retention: createRetention(db, [receiptOutbox, runtimeNotifications]),
    transaction<T>(fn: () => T): T {
      return db.transaction(fn)();
    },
    commitEach,
    /**
     * `commitEach` for writes whose loss in a power cut only repeats idempotent work: committed to the WAL
     * without waiting for the disk (it survives a killed process; the next fsynced commit makes it
     * durable). Never for a row something outside is answered or acked on.
     */
    commitEachWithoutFsync<T>(writes: ReadonlyArray<() => T>): Array<CommitOutcome<T>> {
      return withoutFsync(db, () => commitEach(writes));
    },
    /** Clears leases a killed process left behind; safe because one process holds the agent lock. */
    recoverLeases(): number {
      return (
        outbox.recoverLeases() +
        outcomeChecks.recoverLeases() +
        inbox.recoverLeases() +
        receiptOutbox.recoverLeases() +
        runtimeNotifications.recoverLeases()
      );
    },
    close(): void {
      db.close();
    },
  };
}

export function openConnectorStorage(path: string, synchronous?: "FULL" | "NORMAL"): ConnectorStorage {
  return createConnectorStorage(openConnectorDatabase(path, synchronous));
}
