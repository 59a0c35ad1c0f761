export { createAuthFailureMetrics } from "./auth-failure-metrics";
export { createMetricsBuffer, type MetricsBuffer, type MetricsBufferOptions } from "./metrics-buffer";
export { METRICS, type MetricDefinition, toMetricName, toSeriesKey } from "./metrics-catalog";
export {
  toMetricsShard,
  toMetricsShardFor,
  toQueueRecordsObject,
  toRevocationSweepObject,
  toShardIndex,
} from "./ops-objects";
export { toPrometheusText } from "./prometheus-text";
