import type { CircuitState } from "@clawdentity/protocol";
import type { Clock } from "@clawdentity/sdk";
import type { CircuitBreaker } from "./circuit-breaker";
import type { MetricsRegistry } from "./metrics";
import type { RelaySocketStatus } from "./relay-client";
import type { ConnectorStorage } from "./storage";
import type { WebhookPause } from "./webhook";

const CIRCUIT_VALUE: Record<CircuitState, number> = { closed: 0, half_open: 1, open: 2 };
const PREFIX = "clawdentity_connector";

export interface GaugeSources {
  storage: ConnectorStorage;
  clock: Clock;
  socket(): RelaySocketStatus;
  socketConnectedSeconds(): number;
  breakers: Record<"proxy" | "webhook", CircuitBreaker>;
  webhookPause: WebhookPause;
}

/** Gauges read at scrape time, so they always match the database and live state. */
export function registerConnectorGauges(registry: MetricsRegistry, sources: GaugeSources): void {
  const { storage } = sources;
  const byLabel = (label: string, counts: Record<string, number>) =>
    Object.entries(counts).map(([value, count]) => ({ labels: { [label]: value }, value: count }));
  registry.gauge(`${PREFIX}_outbox_messages`, "Outbox rows by status.", () =>
    byLabel("status", storage.outbox.countByStatus()),
  );
  registry.gauge(`${PREFIX}_outbox_awaiting_outcome`, "Relayed messages still without an outcome (no receipt).", () => [
    { value: storage.outcomeChecks.awaitingOutcome().count },
  ]);
  registry.gauge(
    `${PREFIX}_outbox_oldest_awaiting_outcome_age_seconds`,
    "Age of the oldest relayed message still without an outcome, since the relay took it.",
    () => {
      const { oldestRelayedAt } = storage.outcomeChecks.awaitingOutcome();
      return oldestRelayedAt === null ? [] : [{ value: (sources.clock.nowMs() - oldestRelayedAt) / 1000 }];
    },
  );
  registry.gauge(`${PREFIX}_inbox_messages`, "Inbox rows by status.", () =>
    byLabel("status", storage.inbox.countByStatus()),
  );
  registry.gauge(`${PREFIX}_receipt_outbox_jobs`, "Delivery receipts waiting or finished, by state.", () =>
    byLabel("state", storage.receiptOutbox.countByState()),
  );
  registry.gauge(`${PREFIX}_runtime_notification_jobs`, "Receipt notices for the runtime, by state.", () =>
    byLabel("state", storage.runtimeNotifications.countByState()),
  );
  registry.gauge(`${PREFIX}_circuit_state`, "Circuit breaker state: 0 closed, 1 half-open, 2 open.", () =>
    Object.entries(sources.breakers).map(([circuit, breaker]) => ({
      labels: { circuit },
      value: CIRCUIT_VALUE[breaker.snapshot().state],
    })),
  );
  registry.gauge(
    `${PREFIX}_webhook_misconfigured`,
    "1 while the runtime webhook answers 401/403/404 and deliveries are paused.",
    () => [{ value: sources.webhookPause.isPaused() ? 1 : 0 }],
  );
  registry.gauge(`${PREFIX}_socket_connected`, "1 while the relay WebSocket is open.", () => [
    { value: sources.socket().state === "connected" ? 1 : 0 },
  ]);
  registry.counterFrom(
    `${PREFIX}_socket_connected_seconds_total`,
    "Seconds this process had the relay WebSocket open.",
    () => [{ value: sources.socketConnectedSeconds() }],
  );
  registry.gauge(`${PREFIX}_heartbeat_rtt_seconds`, "Round trip of the last heartbeat, in seconds.", () => {
    const rtt = sources.socket().lastHeartbeatRttMs;
    return rtt === null ? [] : [{ value: rtt / 1000 }];
  });
}
