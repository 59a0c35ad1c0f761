export { type ConnectorMetrics, createConnectorMetrics } from "./connector-metrics";
export {
  type Counter,
  createMetricsRegistry,
  type Labels,
  type MetricsRegistry,
  type Sample,
} from "./metrics-registry";
