import type { ConnectorLatencyResponse } from "@clawdentity/protocol";
import { type Counter, createMetricsRegistry, type Histogram, type MetricsRegistry } from "./metrics-registry";

const PREFIX = "clawdentity_connector";

/**
 * Peers `peer_outcomes_total` names one by one; the peers first seen after these many fold into
 * `peer="other"`, so a connector talking to thousands of agents keeps a bounded number of series.
 */
export const PEER_LABEL_CAP = 50;
export const OTHER_PEER = "other";

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
  socketReconnects: Counter;
  /** Accept (POST /v1/outbound) → the proxy took it (202), by priority. */
  outboundRelayLatency: Histogram;
  /** Accept → terminal outcome (receipt, learned outcome or local dead letter), by outcome and priority. */
  outboundOutcomeLatency: Histogram;
  /** deliver frame stored in the inbox → the runtime webhook accepted it, by priority. */
  webhookDeliveryLatency: Histogram;
  /** Terminal outcomes of sent messages by recipient (capped, see `PEER_LABEL_CAP`) and outcome. */
  recordPeerOutcome(peer: string, outcome: string): void;
}

/** The label a peer counts under: its DID for the first `cap` peers seen, `other` after. */
export function createPeerLabeler(cap = PEER_LABEL_CAP): (peer: string) => string {
  const named = new Set<string>();
  return (peer) => {
    if (named.has(peer)) return peer;
    if (named.size >= cap) return OTHER_PEER;
    named.add(peer);
    return peer;
  };
}

/** The body of `GET /v1/latency`. */
export function toConnectorLatency(metrics: ConnectorMetrics): ConnectorLatencyResponse {
  return {
    outboundRelay: metrics.outboundRelayLatency.percentiles(),
    outboundOutcome: metrics.outboundOutcomeLatency.percentiles(),
    webhookDelivery: metrics.webhookDeliveryLatency.percentiles(),
  };
}

export function createConnectorMetrics(): ConnectorMetrics {
  const registry = createMetricsRegistry();
  const counter = (name: string, help: string) => registry.counter(`${PREFIX}_${name}`, help);
  const histogram = (name: string, help: string) => registry.histogram(`${PREFIX}_${name}`, help);
  const peerOutcomes = counter(
    "peer_outcomes_total",
    `Terminal outcomes of sent messages by recipient and outcome; past ${PEER_LABEL_CAP} recipients, peer="other".`,
  );
  const toPeerLabel = createPeerLabeler();
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
    socketReconnects: counter(
      "socket_reconnects_total",
      "WebSocket connections opened to the proxy after an earlier one of this process closed.",
    ),
    outboundRelayLatency: histogram(
      "outbound_relay_latency_seconds",
      "Seconds from accepting an outbound message to the proxy taking it, by priority.",
    ),
    outboundOutcomeLatency: histogram(
      "outbound_outcome_latency_seconds",
      "Seconds from accepting an outbound message to its terminal outcome, by outcome and priority.",
    ),
    webhookDeliveryLatency: histogram(
      "webhook_delivery_latency_seconds",
      "Seconds from storing a deliver frame to the runtime webhook accepting it, by priority.",
    ),
    recordPeerOutcome: (peer, outcome) => peerOutcomes.inc({ peer: toPeerLabel(peer), outcome }),
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
