import type { OutboxRow } from "../storage";
import type { ConnectorMetrics } from "./connector-metrics";

/** A sent message reached its terminal outcome: its accept → outcome latency and the peer's outcome count. */
export function recordOutboundOutcome(
  metrics: ConnectorMetrics,
  row: Pick<OutboxRow, "createdAt" | "priority" | "toAgentDid">,
  outcome: string,
  now: number,
): void {
  metrics.outboundOutcomeLatency.observe({ outcome, priority: row.priority }, (now - row.createdAt) / 1000);
  metrics.recordPeerOutcome(row.toAgentDid, outcome);
}
