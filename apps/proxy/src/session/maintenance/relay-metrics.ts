import type { RelayMetricsResponse } from "@clawdentity/protocol";
import { toPercentiles } from "../policy";
import { COUNTERS, type MessageStore, type MetricsStore } from "../stores";

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
