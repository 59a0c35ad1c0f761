export { registerHealthRoutes } from "./health-routes";
export { registerRelayConnectRoutes } from "./relay-connect-routes";
export { registerRelayMessageRoutes } from "./relay-message-routes";
export { registerRelayMetricsRoutes } from "./relay-metrics-routes";
