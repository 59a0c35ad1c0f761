import type { SqlRunner } from "../../storage";

/** Deliveries whose latency is remembered for percentiles: a ring buffer, so the cost stays flat. */
export const LATENCY_SAMPLE_SLOTS = 1024;

/** Counters named `series:<key>` are flushed into the aggregate under `<key>` as they are. */
export const SERIES_PREFIX = "series:";

export const COUNTERS = {
  accepted: "accepted",
  duplicates: "duplicates",
  delivered: "delivered",
  refused: "refused",
  expired: "expired",
  deadLettered: (reason: string) => `dead_lettered.${reason}`,
  receiptsRouted: (status: string) => `receipts_routed.${status}`,
  receiptsAccepted: (status: string) => `receipts_accepted.${status}`,
  receiptsAcked: "receipts_acked",
  noticesPublished: "notices_published",
  /** Receipt events published again because the sender's session had not confirmed them in time. */
  noticesRepublished: "notices_republished",
  noticesConfirmed: "notices_confirmed",
  /** Receipt events given up unconfirmed after the retention period. */
  noticesAbandoned: "notices_abandoned",
  reportsSent: "reports_sent",
  revocations: (scope: string) => `revocations.${scope}`,
  deadLettersRetried: "dead_letters_retried",
  deadLettersPurged: "dead_letters_purged",
  socketsOpened: "sockets_opened",
  socketsSuperseded: "sockets_superseded",
  /** Only marks the open-sockets gauge as changed after the last socket closed. */
  socketsClosed: "sockets_closed",
  /** A counter flushed under its own aggregate series key (histogram buckets and sums). */
  series: (series: string) => `${SERIES_PREFIX}${series}`,
  /** Only marks the held-items gauges as changed after retention removed rows. */
  retentionPruned: "retention.pruned",
} as const;

/** A counter's growth since it was last handed to the metrics aggregate. */
export interface CounterDelta {
  name: string;
  delta: number;
}

/**
 * Monotonic counters of this session, plus recent delivery latencies. `flushed` is how much of
 * each counter the metrics aggregate already has; the gap is flushed by the alarm.
 */
export function createMetricsStore(db: SqlRunner) {
  // Known after the first check; every increment makes it true until the next flush.
  let dirty: boolean | undefined;
  const get = (name: string): number =>
    db.first<{ value: number }>("SELECT value FROM counters WHERE name = ?", name)?.value ?? 0;
  const increment = (name: string, by = 1): number => {
    dirty = true;
    return (
      db.first<{ value: number }>(
        `INSERT INTO counters (name, value) VALUES (?, ?)
         ON CONFLICT (name) DO UPDATE SET value = value + excluded.value RETURNING value`,
        name,
        by,
      )?.value ?? by
    );
  };
  const unflushed = (): CounterDelta[] =>
    db.all<{ name: string; delta: number }>(
      "SELECT name, value - flushed AS delta FROM counters WHERE value != flushed",
    );

  return {
    get,
    increment,
    unflushed,
    /** Records that the aggregate now holds `delta` more of the counter. */
    markFlushed(deltas: readonly CounterDelta[]): void {
      for (const { name, delta } of deltas) {
        db.run("UPDATE counters SET flushed = flushed + ? WHERE name = ?", delta, name);
      }
      dirty = undefined;
    },
    hasUnflushed(): boolean {
      dirty ??= unflushed().length > 0;
      return dirty;
    },
    /** Counters whose name starts with `prefix`, such as every `dead_lettered.*`. */
    withPrefix(prefix: string): Record<string, number> {
      const rows = db.all<{ name: string; value: number }>(
        "SELECT name, value FROM counters WHERE name >= ? AND name < ?",
        prefix,
        `${prefix}\uffff`,
      );
      return Object.fromEntries(rows.map((row) => [row.name.slice(prefix.length), row.value]));
    },
    /** Adds series deltas (a histogram observation) to the counters flushed under those series. */
    incrementSeries(deltas: Record<string, number>): void {
      for (const [series, delta] of Object.entries(deltas)) increment(`${SERIES_PREFIX}${series}`, delta);
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
