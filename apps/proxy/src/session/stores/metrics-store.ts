import type { SqlRunner } from "../../storage";

/** Deliveries whose latency is remembered for percentiles: the most recent, so the cost stays flat. */
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
  // Receipt events keep the counter names they were stored under (`notices_*`).
  receiptEventsPublished: "notices_published",
  /** Receipt events published again because the sender's session had not confirmed them in time. */
  receiptEventsRepublished: "notices_republished",
  receiptEventsConfirmed: "notices_confirmed",
  /** Receipt events given up unconfirmed after the retention period. */
  receiptEventsAbandoned: "notices_abandoned",
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
 * Schedules `persist` to run later in one transaction. Without it every increment is written at
 * once (the row-level tests of a store use that).
 */
export type DeferWrites = (persist: () => void) => void;

/**
 * Monotonic counters of this session, plus recent delivery latencies. `flushed` is how much of
 * each counter the metrics aggregate already has; the gap is flushed by the alarm.
 *
 * With `deferWrites`, increments and latency samples are held in memory and written behind, all
 * of them in one transaction (`persist`), instead of a row write per counter per message; every
 * read writes what is held first, so readers see exact figures. A crash loses at most what was
 * held (the session persists within a second): metric counts only, never a message, receipt or
 * timeline entry.
 */
export function createMetricsStore(db: SqlRunner, options: { deferWrites?: DeferWrites } = {}) {
  // Known after the first check; every increment makes it true until the next flush.
  let dirty: boolean | undefined;
  const held = new Map<string, number>();
  const heldLatencies: number[] = [];
  let scheduled = false;

  const add = (name: string, by: number): number =>
    db.first<{ value: number }>(
      `INSERT INTO counters (name, value) VALUES (?, ?)
       ON CONFLICT (name) DO UPDATE SET value = value + excluded.value RETURNING value`,
      name,
      by,
    )?.value ?? by;
  const readLatencies = (): number[] => {
    const row = db.first<{ samples: string }>("SELECT samples FROM latency_ring WHERE singleton = 1");
    return row ? (JSON.parse(row.samples) as number[]) : [];
  };
  // The whole window is one row: held samples cost one row written when they are written, not one each.
  const writeLatencies = (latencies: readonly number[]) => {
    const window = [...readLatencies(), ...latencies].slice(-LATENCY_SAMPLE_SLOTS);
    db.run(
      `INSERT INTO latency_ring (singleton, samples) VALUES (1, ?)
       ON CONFLICT (singleton) DO UPDATE SET samples = excluded.samples`,
      JSON.stringify(window),
    );
  };
  /** Writes what is held; a no-op when nothing is. */
  const persist = (): void => {
    scheduled = false;
    for (const [name, by] of held) add(name, by);
    held.clear();
    if (heldLatencies.length > 0) {
      writeLatencies(heldLatencies);
      heldLatencies.length = 0;
    }
  };
  const hold = () => {
    if (scheduled || !options.deferWrites) return;
    scheduled = true;
    options.deferWrites(persist);
  };
  const get = (name: string): number => {
    persist();
    return db.first<{ value: number }>("SELECT value FROM counters WHERE name = ?", name)?.value ?? 0;
  };
  const unflushed = (): CounterDelta[] => {
    persist();
    return db.all<{ name: string; delta: number }>(
      "SELECT name, value - flushed AS delta FROM counters WHERE value != flushed",
    );
  };

  const increment = (name: string, by = 1): void => {
    dirty = true;
    if (!options.deferWrites) {
      add(name, by);
      return;
    }
    held.set(name, (held.get(name) ?? 0) + by);
    hold();
  };

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
      if (held.size > 0) return true;
      dirty ??= unflushed().length > 0;
      return dirty;
    },
    /** Counters whose name starts with `prefix`, such as every `dead_lettered.*`. */
    withPrefix(prefix: string): Record<string, number> {
      persist();
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
    /** A sample for the percentiles; no counter moves, so nothing waits for the aggregate. */
    recordLatency(latencyMs: number): void {
      const sample = Math.max(0, Math.round(latencyMs));
      if (!options.deferWrites) {
        writeLatencies([sample]);
        return;
      }
      heldLatencies.push(sample);
      hold();
    },
    latencySamples(): number[] {
      persist();
      return readLatencies();
    },
  };
}
export type MetricsStore = ReturnType<typeof createMetricsStore>;
