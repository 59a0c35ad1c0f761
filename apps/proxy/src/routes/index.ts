export { registerDeadLetterRoutes } from "./dead-letter-routes";
export { registerDeliveryReceiptRoutes } from "./delivery-receipt-routes";
export { registerFederationMessageRoutes } from "./federation-message-routes";
export { registerHealthRoutes } from "./health-routes";
export { registerMessageStatusRoutes } from "./message-status-routes";
export { createOperatorAuth, registerOperatorRoutes } from "./operator-routes";
export { registerRelayConnectRoutes } from "./relay-connect-routes";
export { registerRelayMessageRoutes } from "./relay-message-routes";
export { registerRelayMetricsRoutes } from "./relay-metrics-routes";
