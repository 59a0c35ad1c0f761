import type { ConnectorDatabase } from "./database";
import type { JobStore } from "./job-store";

export interface RetentionResult {
  outbox: number;
  inbox: number;
  jobs: number;
  idempotencyKeys: number;
}

/**
 * Deletes finished rows older than the retention window (default 7 days): relayed, delivered and
 * dead-lettered messages, receipts, posted jobs and idempotency keys. Queued and pending rows
 * are bounded by their own TTL, so the database never grows without bound.
 */
export function createRetention(db: ConnectorDatabase, jobs: readonly JobStore[]) {
  const pruneOutbox = db.prepare("DELETE FROM outbox WHERE status <> 'queued' AND updated_at < ?");
  const pruneReceipts = db.prepare("DELETE FROM outbox_receipts WHERE recorded_at < ?");
  const pruneInbox = db.prepare("DELETE FROM inbox WHERE status <> 'pending' AND updated_at < ?");
  const pruneKeys = db.prepare("DELETE FROM idempotency_keys WHERE created_at < ?");
  return {
    prune(now: number, retentionMs: number): RetentionResult {
      const cutoff = now - retentionMs;
      return db.transaction(() => {
        const outbox = pruneOutbox.run(cutoff).changes;
        pruneReceipts.run(cutoff);
        return {
          outbox,
          inbox: pruneInbox.run(cutoff).changes,
          jobs: jobs.reduce((total, store) => total + store.pruneFinished(cutoff), 0),
          idempotencyKeys: pruneKeys.run(cutoff).changes,
        };
      })();
    },
  };
}
