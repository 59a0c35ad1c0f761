import type { CircuitSnapshot, ConnectorIdentityStatus, ConnectorStatusResponse } from "@clawdentity/protocol";
import { toIsoTimestamp } from "@clawdentity/sdk";
import type { CircuitBreaker } from "./circuit-breaker";
import type { RelaySocketStatus } from "./relay-client";
import type { ConnectorStorage } from "./storage";
import type { WebhookPauseSnapshot } from "./webhook";

export function toCircuitSnapshot(breaker: CircuitBreaker): CircuitSnapshot {
  const snapshot = breaker.snapshot();
  return {
    state: snapshot.state,
    consecutiveFailures: snapshot.consecutiveFailures,
    ...(snapshot.openedAt !== null ? { openedAt: toIsoTimestamp(snapshot.openedAt) } : {}),
    ...(snapshot.nextTrialAt !== null ? { nextTrialAt: toIsoTimestamp(snapshot.nextTrialAt) } : {}),
  };
}

export interface StatusSources {
  agentDid: string;
  startedAt: number;
  identity: ConnectorIdentityStatus;
  storage: ConnectorStorage;
  socket: RelaySocketStatus;
  proxyBreaker: CircuitBreaker;
  webhookBreaker: CircuitBreaker;
  relayPausedUntil: number | null;
  webhookPause: WebhookPauseSnapshot | null;
}

/** `GET /v1/status`: socket, circuit breakers, queue depths and the last heartbeat round trip. */
export function toConnectorStatus(sources: StatusSources): ConnectorStatusResponse {
  const { storage, socket } = sources;
  const outbox = storage.outbox.countByStatus();
  const awaiting = storage.outcomeChecks.awaitingOutcome();
  const inbox = storage.inbox.countByStatus();
  const receipts = storage.receiptOutbox.countByState();
  const notices = storage.runtimeNotifications.countByState();
  return {
    agentDid: sources.agentDid,
    startedAt: toIsoTimestamp(sources.startedAt),
    identity: sources.identity,
    socket: {
      state: socket.state,
      ...(socket.connectedAt !== null ? { connectedAt: toIsoTimestamp(socket.connectedAt) } : {}),
      ...(socket.lastFrameAt !== null ? { lastFrameAt: toIsoTimestamp(socket.lastFrameAt) } : {}),
      ...(socket.lastHeartbeatRttMs !== null ? { lastHeartbeatRttMs: socket.lastHeartbeatRttMs } : {}),
      reconnectAttempts: socket.reconnectAttempts,
      ...(socket.lastCloseCode !== null ? { lastCloseCode: socket.lastCloseCode } : {}),
    },
    circuits: { proxy: toCircuitSnapshot(sources.proxyBreaker), webhook: toCircuitSnapshot(sources.webhookBreaker) },
    queues: {
      outbox: {
        queued: outbox.queued,
        relayed: outbox.relayed,
        deadLettered: outbox.dead_lettered,
        awaitingOutcome: {
          count: awaiting.count,
          ...(awaiting.oldestRelayedAt !== null ? { oldestRelayedAt: toIsoTimestamp(awaiting.oldestRelayedAt) } : {}),
        },
      },
      inbox: { pending: inbox.pending, delivered: inbox.delivered, deadLettered: inbox.dead_lettered },
      receiptOutbox: { pending: receipts.pending, failed: receipts.failed },
      runtimeNotifications: { pending: notices.pending, failed: notices.failed },
    },
    ...(sources.relayPausedUntil !== null ? { relayPausedUntil: toIsoTimestamp(sources.relayPausedUntil) } : {}),
    ...(sources.webhookPause
      ? {
          webhookPause: {
            reason: "misconfigured" as const,
            since: toIsoTimestamp(sources.webhookPause.since),
            nextAttemptAt: toIsoTimestamp(sources.webhookPause.nextAttemptAt),
            failures: sources.webhookPause.failures,
            lastError: sources.webhookPause.lastError,
          },
        }
      : {}),
  };
}
