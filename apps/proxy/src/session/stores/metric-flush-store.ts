import type { SqlRunner } from "../../storage";
import type { SessionStateStore } from "./session-state-store";

const FLUSH_SEQ = "metrics.flush_seq";
const LAST_FLUSH_AT = "metrics.last_flush_at_ms";
const NEXT_ATTEMPT_AT = "metrics.next_attempt_at_ms";

export interface PendingFlush {
  seq: number;
  body: string;
}

/**
 * Bookkeeping of the session's metric flushes: the batch waiting to reach the aggregate (kept
 * until it does, so a retry sends the same numbers under the same sequence number), and the last
 * gauge values reported.
 */
export function createMetricFlushStore(db: SqlRunner, sessionState: SessionStateStore) {
  const { read, write } = sessionState;
  // The batch waiting, held once read (every reschedule asks); adding or completing one reads it again.
  let held: { pending: PendingFlush | undefined } | undefined;

  return {
    pending(): PendingFlush | undefined {
      held ??= {
        pending: db.first<{ seq: number; body: string }>("SELECT seq, body FROM metric_flushes ORDER BY seq LIMIT 1"),
      };
      return held.pending;
    },
    /** Drops what is held, after a transaction that changed it rolled back. */
    forget(): void {
      held = undefined;
    },
    /** Stores a new batch under the next sequence number (never reused, even after deletion). */
    add(body: string, nowMs: number): number {
      const seq = (read(FLUSH_SEQ) ?? 0) + 1;
      write(FLUSH_SEQ, seq);
      db.run("INSERT INTO metric_flushes (seq, body, created_at_ms) VALUES (?, ?, ?)", seq, body, nowMs);
      held = undefined;
      return seq;
    },
    complete(seq: number, nowMs: number): void {
      db.run("DELETE FROM metric_flushes WHERE seq = ?", seq);
      held = undefined;
      write(LAST_FLUSH_AT, nowMs);
      write(NEXT_ATTEMPT_AT, null);
    },
    /** Starts the next flush interval without sending anything. */
    touch(nowMs: number): void {
      write(LAST_FLUSH_AT, nowMs);
    },
    fail(nextAttemptAtMs: number): void {
      write(NEXT_ATTEMPT_AT, nextAttemptAtMs);
    },
    lastFlushAtMs(): number | null {
      return read(LAST_FLUSH_AT);
    },
    nextAttemptAtMs(): number | null {
      return read(NEXT_ATTEMPT_AT);
    },
    reportedGauges(): Record<string, number> {
      const rows = db.all<{ series: string; reported: number }>("SELECT series, reported FROM gauge_reports");
      return Object.fromEntries(rows.map((row) => [row.series, row.reported]));
    },
    writeGauge(series: string, value: number): void {
      db.run(
        `INSERT INTO gauge_reports (series, reported) VALUES (?, ?)
         ON CONFLICT (series) DO UPDATE SET reported = excluded.reported`,
        series,
        value,
      );
    },
  };
}
export type MetricFlushStore = ReturnType<typeof createMetricFlushStore>;
