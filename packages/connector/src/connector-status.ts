import type { CircuitSnapshot, ConnectorIdentityStatus, ConnectorStatusResponse } from "@clawdentity/protocol";
import type { CircuitBreaker } from "./circuit-breaker";
import { toIso } from "./clock";
import type { RelaySocketStatus } from "./relay-client";
import type { ConnectorStorage } from "./storage";
import type { WebhookPauseSnapshot } from "./webhook";

export function toCircuitSnapshot(breaker: CircuitBreaker): CircuitSnapshot {
  const snapshot = breaker.snapshot();
  return {
    state: snapshot.state,
    consecutiveFailures: snapshot.consecutiveFailures,
    ...(snapshot.openedAt !== null ? { openedAt: toIso(snapshot.openedAt) } : {}),
    ...(snapshot.nextTrialAt !== null ? { nextTrialAt: toIso(snapshot.nextTrialAt) } : {}),
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
    startedAt: toIso(sources.startedAt),
    identity: sources.identity,
    socket: {
      state: socket.state,
      ...(socket.connectedAt !== null ? { connectedAt: toIso(socket.connectedAt) } : {}),
      ...(socket.lastFrameAt !== null ? { lastFrameAt: toIso(socket.lastFrameAt) } : {}),
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
          ...(awaiting.oldestRelayedAt !== null ? { oldestRelayedAt: toIso(awaiting.oldestRelayedAt) } : {}),
        },
      },
      inbox: { pending: inbox.pending, delivered: inbox.delivered, deadLettered: inbox.dead_lettered },
      receiptOutbox: { pending: receipts.pending, failed: receipts.failed },
      runtimeNotifications: { pending: notices.pending, failed: notices.failed },
    },
    ...(sources.relayPausedUntil !== null ? { relayPausedUntil: toIso(sources.relayPausedUntil) } : {}),
    ...(sources.webhookPause
      ? {
          webhookPause: {
            reason: "misconfigured" as const,
            since: toIso(sources.webhookPause.since),
            nextAttemptAt: toIso(sources.webhookPause.nextAttemptAt),
            failures: sources.webhookPause.failures,
            lastError: sources.webhookPause.lastError,
          },
        }
      : {}),
  };
}
