export { createAuthFailureMetrics } from "./auth-failure-metrics";
export { createMetricsBuffer, type MetricsBuffer, type MetricsBufferOptions } from "./metrics-buffer";
export { METRICS, type MetricDefinition, toHistogramDeltas, toMetricName, toSeriesKey } from "./metrics-catalog";
export {
  toMetricsShard,
  toMetricsShardFor,
  toQueueRecordsObject,
  toRevocationSweepObject,
  toShardIndex,
} from "./ops-objects";
export { toHistograms, toPrometheusText, toSeriesLabels } from "./prometheus-text";
export { readMetricTotals } from "./read-metric-totals";
