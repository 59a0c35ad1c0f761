import { METRICS, type MetricDefinition, toMetricName } from "./metrics-catalog";

const DEFINITIONS = new Map<string, MetricDefinition>(Object.values(METRICS).map((metric) => [metric.name, metric]));

/**
 * Renders series totals as Prometheus text (exposition format 0.0.4): every catalogued metric
 * with `# HELP` and `# TYPE`, an unlabelled one at 0 before anything was recorded, series sorted.
 */
export function toPrometheusText(totals: Record<string, number>): string {
  const byMetric = new Map<string, Array<[string, number]>>();
  for (const [series, value] of Object.entries(totals)) {
    const name = toMetricName(series);
    if (!DEFINITIONS.has(name)) continue;
    byMetric.set(name, [...(byMetric.get(name) ?? []), [series, value]]);
  }
  const lines: string[] = [];
  for (const metric of DEFINITIONS.values()) {
    lines.push(`# HELP ${metric.name} ${metric.help}`, `# TYPE ${metric.name} ${metric.type}`);
    const series = (byMetric.get(metric.name) ?? []).sort(([a], [b]) => a.localeCompare(b));
    if (series.length === 0 && metric.labels.length === 0) lines.push(`${metric.name} 0`);
    for (const [key, value] of series) lines.push(`${key} ${value}`);
  }
  return `${lines.join("\n")}\n`;
}
