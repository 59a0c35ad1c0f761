import { type Counter, createMetricsRegistry, type MetricsRegistry } from "./metrics-registry";

const PREFIX = "clawdentity_connector";

/** The connector's counters; gauges are registered by `createConnector`, which owns what they read. */
export interface ConnectorMetrics {
  registry: MetricsRegistry;
  outboundAccepted: Counter;
  outboundRelayAttempts: Counter;
  outboundRelayed: Counter;
  outboundDeadLettered: Counter;
  inboundReceived: Counter;
  inboundDuplicates: Counter;
  webhookDeliveries: Counter;
  inboundDeadLettered: Counter;
  receiptsPosted: Counter;
  receiptFrames: Counter;
  outcomeChecks: Counter;
  runtimeNotifications: Counter;
  invalidFrames: Counter;
  socketConnects: Counter;
  circuitTransitions: Counter;
  identityRenewals: Counter;
  identityRefusals: Counter;
}

export function createConnectorMetrics(): ConnectorMetrics {
  const registry = createMetricsRegistry();
  const counter = (name: string, help: string) => registry.counter(`${PREFIX}_${name}`, help);
  return {
    registry,
    outboundAccepted: counter("outbound_accepted_total", "Messages written to the outbox by POST /v1/outbound."),
    outboundRelayAttempts: counter("outbound_relay_attempts_total", "POSTs to /v1/relay/messages by outcome."),
    outboundRelayed: counter("outbound_relayed_total", "Outbox messages the proxy accepted (202)."),
    outboundDeadLettered: counter("outbound_dead_lettered_total", "Outbox messages dead-lettered locally, by reason."),
    inboundReceived: counter("inbound_received_total", "deliver frames stored in the inbox."),
    inboundDuplicates: counter("inbound_duplicates_total", "deliver frames for a message already in the inbox."),
    webhookDeliveries: counter("webhook_deliveries_total", "Delivery webhook calls by outcome."),
    inboundDeadLettered: counter("inbound_dead_lettered_total", "Inbound messages dead-lettered, by reason."),
    receiptsPosted: counter("delivery_receipts_posted_total", "POSTs to /v1/relay/delivery-receipts by outcome."),
    receiptFrames: counter("receipt_frames_total", "receipt frames received, by status."),
    outcomeChecks: counter(
      "outcome_checks_total",
      "Reconciliation of relayed messages without a receipt, by result (an outcome, why none yet, or outcome_unknown).",
    ),
    runtimeNotifications: counter("runtime_notifications_total", "Receipt notices to the runtime by outcome."),
    invalidFrames: counter(
      "invalid_frames_total",
      "Frames from the proxy refused or ignored, by reason (malformed, too_large, too_complex).",
    ),
    socketConnects: counter("socket_connects_total", "WebSocket connections opened to the proxy."),
    circuitTransitions: counter("circuit_transitions_total", "Circuit breaker state changes, by circuit and state."),
    identityRenewals: counter(
      "identity_renewals_total",
      "Self-renewals of the AIT, by outcome (renewed, refused, retry, identity_refused).",
    ),
    identityRefusals: counter(
      "identity_refusals_total",
      "Times the AIT was refused for good (expired or revoked) and proxy calls stopped, by error code.",
    ),
  };
}
