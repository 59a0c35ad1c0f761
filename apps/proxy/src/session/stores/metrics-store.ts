import type { SqlRunner } from "../sql";

/** Deliveries whose latency is remembered for percentiles: a ring buffer, so the cost stays flat. */
export const LATENCY_SAMPLE_SLOTS = 1024;

export const COUNTERS = {
  accepted: "accepted",
  duplicates: "duplicates",
  delivered: "delivered",
  refused: "refused",
  expired: "expired",
  deadLettered: (reason: string) => `dead_lettered.${reason}`,
} as const;

/** Monotonic counters of this session, plus recent delivery latencies. */
export function createMetricsStore(db: SqlRunner) {
  const get = (name: string): number =>
    db.first<{ value: number }>("SELECT value FROM counters WHERE name = ?", name)?.value ?? 0;
  const increment = (name: string, by = 1): number =>
    db.first<{ value: number }>(
      `INSERT INTO counters (name, value) VALUES (?, ?)
       ON CONFLICT (name) DO UPDATE SET value = value + excluded.value RETURNING value`,
      name,
      by,
    )?.value ?? by;

  return {
    get,
    increment,
    /** Counters whose name starts with `prefix`, such as every `dead_lettered.*`. */
    withPrefix(prefix: string): Record<string, number> {
      const rows = db.all<{ name: string; value: number }>(
        "SELECT name, value FROM counters WHERE name >= ? AND name < ?",
        prefix,
        `${prefix}\uffff`,
      );
      return Object.fromEntries(rows.map((row) => [row.name.slice(prefix.length), row.value]));
    },
    recordLatency(latencyMs: number): void {
      const sample = increment("latency.samples");
      db.run(
        "INSERT OR REPLACE INTO latency_samples (slot, latency_ms) VALUES (?, ?)",
        (sample - 1) % LATENCY_SAMPLE_SLOTS,
        Math.max(0, Math.round(latencyMs)),
      );
    },
    latencySamples(): number[] {
      return db.all<{ latency_ms: number }>("SELECT latency_ms FROM latency_samples").map((row) => row.latency_ms);
    },
  };
}
export type MetricsStore = ReturnType<typeof createMetricsStore>;
