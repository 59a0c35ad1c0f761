import { LATENCY_BUCKET_LABELS, type MetricLabels, toBucketIndex, toPrometheusLabels } from "@clawdentity/sdk";

/**
 * Every figure `GET /metrics` reports. Sessions, isolates and the ops object exchange *series
 * keys* (`name{label="value"}`), so the aggregate only adds numbers and never needs to know
 * what they mean. A histogram is kept as integers too: `<name>_bucket{…,le}` holds the
 * observations of that bucket alone (rendered cumulative) and `<name>_sum{…}` microseconds.
 */
export interface MetricDefinition {
  name: string;
  type: "counter" | "gauge" | "histogram";
  help: string;
  labels: readonly string[];
}

const define = (
  name: string,
  type: MetricDefinition["type"],
  help: string,
  labels: readonly string[] = [],
): MetricDefinition => ({ name: `clawdentity_proxy_${name}`, type, help, labels });

export const METRICS = {
  messagesAccepted: define("relay_messages_accepted_total", "counter", "Messages stored in a recipient's relay queue."),
  messagesDuplicate: define("relay_messages_duplicate_total", "counter", "Relay requests answered as duplicates."),
  messagesDelivered: define(
    "relay_messages_delivered_total",
    "counter",
    "Messages acknowledged by the recipient's connector.",
  ),
  deliveriesRefused: define(
    "relay_deliveries_refused_total",
    "counter",
    "Deliveries the connector refused (deliver_ack accepted:false).",
  ),
  messagesDeadLettered: define(
    "relay_messages_dead_lettered_total",
    "counter",
    "Messages the relay gave up on, by reason.",
    ["reason"],
  ),
  deadLettersRetried: define(
    "relay_dead_letters_retried_total",
    "counter",
    "Relay dead letters put back in the queue by their agent.",
  ),
  deadLettersPurged: define("relay_dead_letters_purged_total", "counter", "Relay dead letters purged by their agent."),
  receiptsAccepted: define(
    "receipts_accepted_total",
    "counter",
    "Receipts posted by recipients and accepted, by status.",
    ["status"],
  ),
  receiptsRouted: define(
    "receipts_routed_total",
    "counter",
    "Receipts stored in the sender's relay session, by status.",
    ["status"],
  ),
  receiptsAcked: define("receipts_acked_total", "counter", "Receipts acknowledged by the sender's connector."),
  receiptEventsPublished: define(
    "receipt_events_published_total",
    "counter",
    "delivery_receipt events published to the receipts queue.",
  ),
  receiptEventsRepublished: define(
    "receipt_events_republished_total",
    "counter",
    "delivery_receipt events published again because the sender's session had not confirmed them in time.",
  ),
  receiptEventsConfirmed: define(
    "receipt_events_confirmed_total",
    "counter",
    "delivery_receipt events the sender's session confirmed it stored.",
  ),
  receiptEventsAbandoned: define(
    "receipt_events_abandoned_total",
    "counter",
    "delivery_receipt events given up unconfirmed after the retention period.",
  ),
  deliveryReportsSent: define("delivery_reports_sent_total", "counter", "Delivery reports sent to senders' sessions."),
  revocationsApplied: define(
    "revocations_applied_total",
    "counter",
    "Revocations recorded in relay sessions, by scope.",
    ["scope"],
  ),
  authFailures: define("auth_failures_total", "counter", "Refused agent requests, by error code.", ["code"]),
  queueMessages: define(
    "queue_messages_total",
    "counter",
    "Queue messages handled by the consumers, by queue and outcome.",
    ["queue", "outcome"],
  ),
  queueRecords: define("queue_records_total", "counter", "Queue messages recorded for operators, by queue and kind.", [
    "queue",
    "kind",
  ]),
  relayDeliveryLatency: define(
    "relay_delivery_latency_seconds",
    "histogram",
    "Seconds from the relay accepting a message to the recipient's connector acknowledging it, by priority.",
    ["priority"],
  ),
  queueMessageAge: define(
    "queue_message_age_seconds",
    "histogram",
    "Age of queue messages when a consumer takes them, by queue.",
    ["queue"],
  ),
  registryRequestDuration: define(
    "registry_request_duration_seconds",
    "histogram",
    "Seconds the registry took to answer the proxy's key and revocation-list fetches, by call and outcome.",
    ["call", "outcome"],
  ),
  socketsOpened: define("relay_sockets_opened_total", "counter", "Connector WebSockets accepted by relay sessions."),
  socketsSuperseded: define(
    "relay_sockets_superseded_total",
    "counter",
    "Connector WebSockets closed because a newer one of the same agent took over.",
  ),
  socketsOpen: define("relay_sockets_open", "gauge", "Connector WebSockets open on relay sessions."),
  queuesNearCapacity: define(
    "relay_queues_near_capacity",
    "gauge",
    "Relay sessions whose queue holds at least 80% of its capacity.",
  ),
  queueDepth: define("relay_queue_depth", "gauge", "Live messages in relay queues, by priority.", ["priority"]),
  deadLettersHeld: define("relay_dead_letters_held", "gauge", "Dead letters the relay holds for inspection or retry."),
  receiptsPending: define("receipts_pending", "gauge", "Receipts waiting for the sender's connector."),
  outboundUnsent: define(
    "outbound_unsent",
    "gauge",
    "Receipt events not yet confirmed by the sender's session and delivery reports not yet sent.",
  ),
  receiptEventsUnconfirmed: define(
    "receipt_events_unconfirmed",
    "gauge",
    "delivery_receipt events published and awaiting the sender session's confirmation.",
  ),
  queueRecordsHeld: define(
    "queue_records_held",
    "gauge",
    "Recorded queue messages operators can list, by queue and kind.",
    ["queue", "kind"],
  ),
} as const satisfies Record<string, MetricDefinition>;

/** The series key of `metric` with `labels`, in Prometheus text syntax. */
export function toSeriesKey(metric: MetricDefinition, labels: MetricLabels = {}): string {
  return `${metric.name}${toPrometheusLabels(labels)}`;
}

/** The series deltas that record one observation (seconds) of a histogram: its bucket and its sum. */
export function toHistogramDeltas(
  metric: MetricDefinition,
  labels: MetricLabels,
  seconds: number,
): Record<string, number> {
  const value = Number.isFinite(seconds) && seconds > 0 ? seconds : 0;
  const le = LATENCY_BUCKET_LABELS[toBucketIndex(value)] ?? "+Inf";
  return {
    [`${metric.name}_bucket${toPrometheusLabels({ ...labels, le })}`]: 1,
    [`${metric.name}_sum${toPrometheusLabels(labels)}`]: Math.round(value * 1_000_000),
  };
}

/** The metric name of a series key. */
export function toMetricName(series: string): string {
  const brace = series.indexOf("{");
  return brace === -1 ? series : series.slice(0, brace);
}
