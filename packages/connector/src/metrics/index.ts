export {
  type ConnectorMetrics,
  createConnectorMetrics,
  createPeerLabeler,
  OTHER_PEER,
  PEER_LABEL_CAP,
  toConnectorLatency,
} from "./connector-metrics";
export {
  type Counter,
  createMetricsRegistry,
  type Histogram,
  type Labels,
  type MetricsRegistry,
  type Sample,
} from "./metrics-registry";
export { recordOutboundOutcome } from "./outbound-outcome";
