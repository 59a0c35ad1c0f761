import type { SqlRunner } from "../storage";

/** Flush cursors older than this are forgotten; a source flushing again later just starts over. */
const CURSOR_RETENTION_MS = 7 * 86_400_000;

/** Series totals of one metrics shard, with the last batch applied per source (exactly once). */
export function createMetricTotalsStore(db: SqlRunner) {
  return {
    /** Adds the batch unless this source's `seq` was applied already; true when applied. */
    apply(source: string, seq: number, deltas: Record<string, number>, nowMs: number): boolean {
      const cursor = db.first<{ last_seq: number }>("SELECT last_seq FROM flush_cursors WHERE source = ?", source);
      if (cursor && cursor.last_seq >= seq) return false;
      for (const [series, delta] of Object.entries(deltas)) {
        if (!Number.isFinite(delta) || delta === 0) continue;
        db.run(
          `INSERT INTO metric_totals (series, value) VALUES (?, ?)
           ON CONFLICT (series) DO UPDATE SET value = value + excluded.value`,
          series,
          Math.trunc(delta),
        );
      }
      db.run(
        `INSERT INTO flush_cursors (source, last_seq, updated_at_ms) VALUES (?, ?, ?)
         ON CONFLICT (source) DO UPDATE SET last_seq = excluded.last_seq, updated_at_ms = excluded.updated_at_ms`,
        source,
        seq,
        nowMs,
      );
      db.run(
        `DELETE FROM flush_cursors WHERE source IN
           (SELECT source FROM flush_cursors WHERE updated_at_ms <= ? LIMIT 32)`,
        nowMs - CURSOR_RETENTION_MS,
      );
      return true;
    },
    increment(series: string, by: number): void {
      db.run(
        "INSERT INTO metric_totals (series, value) VALUES (?, ?) ON CONFLICT (series) DO UPDATE SET value = value + excluded.value",
        series,
        by,
      );
    },
    totals(): Record<string, number> {
      const rows = db.all<{ series: string; value: number }>("SELECT series, value FROM metric_totals");
      return Object.fromEntries(rows.map((row) => [row.series, row.value]));
    },
  };
}
export type MetricTotalsStore = ReturnType<typeof createMetricTotalsStore>;
