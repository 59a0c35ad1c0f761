import type { RelayMetricsResponse } from "@clawdentity/protocol";
import { METRICS, type MetricDefinition, toSeriesKey } from "../../metrics";
import { toPercentiles } from "../policy";
import type { RelaySessionRuntime } from "../runtime";
import { COUNTERS, type MessageStore, type MetricFlushStore, type MetricsStore, SERIES_PREFIX } from "../stores";

/** Metric deltas keyed by series; counters and gauges alike are added into the aggregate. */
export type MetricDeltas = Record<string, number>;

const SIMPLE: Record<string, MetricDefinition> = {
  accepted: METRICS.messagesAccepted,
  duplicates: METRICS.messagesDuplicate,
  delivered: METRICS.messagesDelivered,
  refused: METRICS.deliveriesRefused,
  receipts_acked: METRICS.receiptsAcked,
  notices_published: METRICS.receiptEventsPublished,
  notices_republished: METRICS.receiptEventsRepublished,
  notices_confirmed: METRICS.receiptEventsConfirmed,
  notices_abandoned: METRICS.receiptEventsAbandoned,
  reports_sent: METRICS.deliveryReportsSent,
  dead_letters_retried: METRICS.deadLettersRetried,
  dead_letters_purged: METRICS.deadLettersPurged,
  sockets_opened: METRICS.socketsOpened,
  sockets_superseded: METRICS.socketsSuperseded,
};
const LABELLED: Record<string, [MetricDefinition, string]> = {
  dead_lettered: [METRICS.messagesDeadLettered, "reason"],
  receipts_routed: [METRICS.receiptsRouted, "status"],
  receipts_accepted: [METRICS.receiptsAccepted, "status"],
  revocations: [METRICS.revocationsApplied, "scope"],
};

/** The aggregate series of a session counter; null for counters only the agent's own figures use. */
function toCounterSeries(counter: string): string | null {
  if (counter.startsWith(SERIES_PREFIX)) return counter.slice(SERIES_PREFIX.length);
  const simple = SIMPLE[counter];
  if (simple) return toSeriesKey(simple);
  const dot = counter.indexOf(".");
  const labelled = dot > 0 ? LABELLED[counter.slice(0, dot)] : undefined;
  return labelled ? toSeriesKey(labelled[0], { [labelled[1]]: counter.slice(dot + 1) }) : null;
}

/**
 * Moves this session's counter growth and gauge changes into the metrics aggregate, at most once
 * per flush interval and never per message. A batch is stored with a sequence number before it is
 * sent and kept until the aggregate took it, which applies each sequence number once.
 */
export function createMetricsFlusher(deps: {
  metrics: MetricsStore;
  flushes: MetricFlushStore;
  gauges: () => MetricDeltas;
  runtime: RelaySessionRuntime;
  sink: (seq: number, deltas: MetricDeltas) => Promise<void>;
  write: <T>(work: () => T) => T;
}) {
  const { metrics, flushes, gauges, runtime, sink, write } = deps;

  /** Turns unflushed growth into a stored batch; false when there is nothing to send. */
  const prepare = (nowMs: number): boolean => {
    if (flushes.pending()) return true;
    const counters = metrics.unflushed();
    const deltas: MetricDeltas = {};
    for (const { name, delta } of counters) {
      const series = toCounterSeries(name);
      if (series) deltas[series] = (deltas[series] ?? 0) + delta;
    }
    const current = gauges();
    const reported = flushes.reportedGauges();
    for (const series of new Set([...Object.keys(current), ...Object.keys(reported)])) {
      const change = (current[series] ?? 0) - (reported[series] ?? 0);
      if (change !== 0) deltas[series] = change;
    }
    metrics.markFlushed(counters);
    for (const [series, value] of Object.entries(current)) flushes.writeGauge(series, value);
    if (Object.keys(deltas).length === 0) {
      flushes.touch(nowMs);
      return false;
    }
    flushes.add(JSON.stringify(deltas), nowMs);
    return true;
  };

  /** When the alarm should flush: a failed batch's retry, or an interval after the last flush (or its start). */
  const wakeAtMs = (nowMs: number): number | null => {
    if (flushes.pending()) return flushes.nextAttemptAtMs() ?? nowMs;
    if (!metrics.hasUnflushed()) return null;
    return (flushes.lastFlushAtMs() ?? nowMs) + runtime.settings.metricsFlushIntervalMs;
  };

  return {
    /**
     * Anchors the flush interval at the first counter change since the last flush, so later
     * reschedules cannot move it; writes only when a change waits and no interval runs.
     */
    startInterval(nowMs: number): void {
      if (!flushes.pending() && flushes.lastFlushAtMs() === null && metrics.hasUnflushed()) flushes.touch(nowMs);
    },
    wakeAtMs,
    isDue(nowMs: number): boolean {
      const wake = wakeAtMs(nowMs);
      return wake !== null && wake <= nowMs;
    },
    /** Sends the pending batch (making one first); false when it could not reach the aggregate. */
    async flush(nowMs: number): Promise<boolean> {
      if (!write(() => prepare(nowMs))) return true;
      const batch = flushes.pending();
      if (!batch) return true;
      try {
        await sink(batch.seq, JSON.parse(batch.body) as MetricDeltas);
      } catch (error) {
        console.warn("metrics flush failed", { seq: batch.seq, error: String(error) });
        write(() => flushes.fail(nowMs + runtime.settings.metricsFlushIntervalMs));
        return false;
      }
      write(() => flushes.complete(batch.seq, nowMs));
      return true;
    },
  };
}
export type MetricsFlusher = ReturnType<typeof createMetricsFlusher>;

/** The agent's own figures: live depth by priority, outcome counters and recent delivery latency. */
export function toRelayMetrics(messages: MessageStore, metrics: MetricsStore): RelayMetricsResponse {
  const deadLettered = metrics.withPrefix(COUNTERS.deadLettered(""));
  const failed = Object.entries(deadLettered)
    .filter(([reason]) => reason !== "expired")
    .reduce((sum, [, count]) => sum + count, 0);
  return {
    queueDepth: messages.depthByPriority(),
    delivered: metrics.get(COUNTERS.delivered),
    refused: metrics.get(COUNTERS.refused),
    failed,
    expired: metrics.get(COUNTERS.expired),
    deliveryLatencyMs: toPercentiles(metrics.latencySamples(), [50, 90, 99] as const),
  };
}
