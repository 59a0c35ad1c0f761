/**
 * A small Prometheus histogram for latencies in seconds: fixed bucket boundaries from 1 ms to
 * 6 h, so histograms from different processes (relay sessions, connectors) can be added bucket by
 * bucket, and a quantile estimator that interpolates exactly like PromQL's `histogram_quantile`.
 */

/** Upper bounds (seconds) of the finite buckets; `+Inf` follows them. */
export const LATENCY_BUCKETS_SECONDS: readonly number[] = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 7200,
  21600,
];
const LARGEST_BOUND = 21_600;
const boundAt = (index: number): number => LATENCY_BUCKETS_SECONDS[index] ?? Number.POSITIVE_INFINITY;

/** The `le` label of each bucket, `+Inf` last. */
export const LATENCY_BUCKET_LABELS: readonly string[] = [...LATENCY_BUCKETS_SECONDS.map(String), "+Inf"];

/**
 * Observations per bucket (not cumulative; one slot per finite bucket plus `+Inf`), their count
 * and their sum in seconds.
 */
export interface HistogramState {
  buckets: number[];
  count: number;
  sum: number;
}

export type MetricLabels = Record<string, string>;

export function createHistogramState(): HistogramState {
  return { buckets: new Array(LATENCY_BUCKET_LABELS.length).fill(0), count: 0, sum: 0 };
}

/** Index of the bucket an observation falls in: the first whose upper bound is >= it. */
export function toBucketIndex(seconds: number): number {
  const index = LATENCY_BUCKETS_SECONDS.findIndex((bound) => seconds <= bound);
  return index === -1 ? LATENCY_BUCKETS_SECONDS.length : index;
}

/** Records one observation; negative or non-finite values count as 0 (a clock step must not break the series). */
export function observe(state: HistogramState, seconds: number): void {
  const value = Number.isFinite(seconds) && seconds > 0 ? seconds : 0;
  const index = toBucketIndex(value);
  state.buckets[index] = (state.buckets[index] ?? 0) + 1;
  state.count += 1;
  state.sum += value;
}

/** Adds `from` into `into` (both on the same fixed boundaries). */
export function mergeHistogram(into: HistogramState, from: HistogramState): void {
  into.buckets = into.buckets.map((count, index) => count + (from.buckets[index] ?? 0));
  into.count += from.count;
  into.sum += from.sum;
}

/**
 * The `q` quantile (0..1) estimated from the buckets as PromQL's `histogram_quantile` does:
 * linear interpolation inside the bucket holding the rank, the first bucket starting at 0, and
 * the upper bound of the last finite bucket when the rank falls in `+Inf`. Null without data.
 */
export function estimateQuantile(state: HistogramState, q: number): number | null {
  if (state.count === 0 || !(q >= 0 && q <= 1)) return null;
  const rank = q * state.count;
  let below = 0;
  for (const [index, inBucket] of state.buckets.entries()) {
    if (inBucket > 0 && below + inBucket >= rank) {
      if (index >= LATENCY_BUCKETS_SECONDS.length) return LARGEST_BOUND;
      const lower = index === 0 ? 0 : boundAt(index - 1);
      return lower + (boundAt(index) - lower) * ((rank - below) / inBucket);
    }
    below += inBucket;
  }
  return LARGEST_BOUND;
}

/** Current p50 and p99 (seconds) and the number of observations behind them. */
export interface LatencyPercentiles {
  p50Seconds: number | null;
  p99Seconds: number | null;
  count: number;
}

export function toLatencyPercentiles(state: HistogramState): LatencyPercentiles {
  return { p50Seconds: estimateQuantile(state, 0.5), p99Seconds: estimateQuantile(state, 0.99), count: state.count };
}

const escapeLabel = (value: string) => value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");

/** `{a="x",b="y"}` in exposition syntax; empty for no labels. */
export function toPrometheusLabels(labels: MetricLabels = {}): string {
  const pairs = Object.entries(labels).map(([name, value]) => `${name}="${escapeLabel(value)}"`);
  return pairs.length === 0 ? "" : `{${pairs.join(",")}}`;
}

/** The `# HELP` and `# TYPE` lines of a metric family. */
export function toPrometheusHeader(name: string, type: "counter" | "gauge" | "histogram", help: string): string[] {
  return [`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`];
}

/** Sample lines of one histogram series: cumulative `_bucket{le}` (with `+Inf`), `_sum` and `_count`. */
export function toHistogramLines(name: string, labels: MetricLabels, state: HistogramState): string[] {
  const lines: string[] = [];
  let cumulative = 0;
  LATENCY_BUCKET_LABELS.forEach((le, index) => {
    cumulative += state.buckets[index] ?? 0;
    lines.push(`${name}_bucket${toPrometheusLabels({ ...labels, le })} ${cumulative}`);
  });
  lines.push(
    `${name}_sum${toPrometheusLabels(labels)} ${state.sum}`,
    `${name}_count${toPrometheusLabels(labels)} ${state.count}`,
  );
  return lines;
}
