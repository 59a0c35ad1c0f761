import {
  createHistogramState,
  type HistogramState,
  LATENCY_BUCKET_LABELS,
  type MetricLabels,
  toHistogramLines,
  toPrometheusHeader,
  toPrometheusLabels,
} from "@clawdentity/sdk";
import { METRICS, type MetricDefinition, toMetricName } from "./metrics-catalog";

const CATALOG: readonly MetricDefinition[] = Object.values(METRICS);
const DEFINITIONS = new Map<string, MetricDefinition>(CATALOG.map((metric) => [metric.name, metric]));
/** Where a stored histogram series belongs: `<name>_bucket` and `<name>_sum` of each histogram. */
const HISTOGRAM_PARTS = new Map<string, { metric: MetricDefinition; part: "bucket" | "sum" }>(
  CATALOG.filter((metric) => metric.type === "histogram").flatMap((metric) => [
    [`${metric.name}_bucket`, { metric, part: "bucket" as const }],
    [`${metric.name}_sum`, { metric, part: "sum" as const }],
  ]),
);

const LABEL = /(\w+)="((?:[^"\\]|\\.)*)"/g;
const unescapeLabel = (value: string) => value.replace(/\\(.)/g, (_, char: string) => (char === "n" ? "\n" : char));

/** The labels of a series key. */
export function toSeriesLabels(series: string): MetricLabels {
  const brace = series.indexOf("{");
  if (brace === -1) return {};
  return Object.fromEntries(
    [...series.slice(brace).matchAll(LABEL)].map((match) => [match[1] ?? "", unescapeLabel(match[2] ?? "")]),
  );
}

/** Rebuilds the histograms of stored bucket and sum series (see `toHistogramDeltas`), per label set. */
export function toHistograms(
  totals: Record<string, number>,
): Map<string, Map<string, { labels: MetricLabels; state: HistogramState }>> {
  const byMetric = new Map<string, Map<string, { labels: MetricLabels; state: HistogramState }>>();
  for (const [series, value] of Object.entries(totals)) {
    const found = HISTOGRAM_PARTS.get(toMetricName(series));
    if (!found) continue;
    const { le, ...labels } = toSeriesLabels(series);
    const key = toPrometheusLabels(labels);
    const group = byMetric.get(found.metric.name) ?? new Map();
    byMetric.set(found.metric.name, group);
    const entry = group.get(key) ?? { labels, state: createHistogramState() };
    group.set(key, entry);
    if (found.part === "sum") {
      entry.state.sum += value / 1_000_000;
      continue;
    }
    const index = LATENCY_BUCKET_LABELS.indexOf(le ?? "");
    if (index === -1) continue;
    entry.state.buckets[index] = (entry.state.buckets[index] ?? 0) + value;
    entry.state.count += value;
  }
  return byMetric;
}

/**
 * Renders series totals as Prometheus text (exposition format 0.0.4): every catalogued metric
 * with `# HELP` and `# TYPE`, an unlabelled counter or gauge at 0 before anything was recorded,
 * histograms as cumulative buckets with `_sum` and `_count`, series sorted.
 */
export function toPrometheusText(totals: Record<string, number>): string {
  const byMetric = new Map<string, Array<[string, number]>>();
  for (const [series, value] of Object.entries(totals)) {
    const name = toMetricName(series);
    if (!DEFINITIONS.has(name)) continue;
    byMetric.set(name, [...(byMetric.get(name) ?? []), [series, value]]);
  }
  const histograms = toHistograms(totals);
  const lines: string[] = [];
  for (const metric of DEFINITIONS.values()) {
    lines.push(...toPrometheusHeader(metric.name, metric.type, metric.help));
    if (metric.type === "histogram") {
      const series = [...(histograms.get(metric.name)?.entries() ?? [])].sort(([a], [b]) => a.localeCompare(b));
      for (const [, { labels, state }] of series) lines.push(...toHistogramLines(metric.name, labels, state));
      continue;
    }
    const series = (byMetric.get(metric.name) ?? []).sort(([a], [b]) => a.localeCompare(b));
    if (series.length === 0 && metric.labels.length === 0) lines.push(`${metric.name} 0`);
    for (const [key, value] of series) lines.push(`${key} ${value}`);
  }
  return `${lines.join("\n")}\n`;
}
