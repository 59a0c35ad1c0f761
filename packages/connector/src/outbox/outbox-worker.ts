import { CLAW_HEADERS, RELAY_PATHS, relayMessageBatchResponseSchema } from "@clawdentity/protocol";
import type { CircuitBreaker, CircuitPermit } from "../circuit-breaker";
import type { IdentityGate } from "../identity";
import { toErrorMessage } from "../logger";
import { type ProxyClient, type RemoteOutcome, toBatchOutcome, toProxyOutcome } from "../proxy";
import {
  acquirePermits,
  callGuarded,
  claimRolledBack,
  claimWithPermits,
  computeRetryDelayMs,
  createWorkerLoop,
  resolveRetryPolicy,
  settleBatch,
  toNextWakeAt,
  type WorkerLoop,
} from "../runtime";
import { createGroupCommit, type OutboxRow } from "../storage";
import { deadLetterOutbound, type OutboundDeadLetterDeps } from "./outbound-dead-letter";
import { claimBatch, toBatchMessage } from "./relay-batch";

export interface OutboxWorkerDeps extends OutboundDeadLetterDeps {
  proxy: ProxyClient;
  breaker: CircuitBreaker;
  identity: IdentityGate;
}

export interface OutboxWorker extends WorkerLoop {
  /** Until when a 429 asked us to hold off, or null. */
  pausedUntil(): number | null;
}

/** The relay headers of PROTOCOL.md §4.3 for one outbox row; the Claw headers are added when signing. */
export function toRelayHeaders(row: OutboxRow): Record<string, string> {
  const headers: Record<string, string> = {
    [CLAW_HEADERS.recipientAgentDid]: row.toAgentDid,
    [CLAW_HEADERS.messageId]: row.messageId,
    [CLAW_HEADERS.correlationId]: row.correlationId,
    [CLAW_HEADERS.priority]: row.priority,
  };
  if (row.conversationId) headers[CLAW_HEADERS.conversationId] = row.conversationId;
  if (row.replyTo) headers[CLAW_HEADERS.replyTo] = row.replyTo;
  if (row.traceparent) headers[CLAW_HEADERS.traceparent] = row.traceparent;
  return headers;
}

/**
 * Claims due outbox rows under a lease and POSTs them, signed, to the agent's own proxy: what is
 * ready in one batch request (§4.3.1, each row judged by its own result), one by one on a proxy
 * without the batch route.
 * 202 → relayed; 429 → hold off for Retry-After; transient → backoff until the TTL, then
 * `expired`; permanent 4xx → dead letter at once. Every local dead letter notifies the runtime.
 * An expired or revoked AIT parks the whole outbox (no retry storm) until a new identity is
 * adopted; a revoked one dead-letters what waits as `sender_revoked` without sending it.
 */
export function createOutboxWorker(deps: OutboxWorkerDeps): OutboxWorker {
  const { storage, proxy, breaker, identity, clock, tuning, metrics, logger } = deps;
  const policy = resolveRetryPolicy(tuning, "outbox", deps.random);
  let pausedUntil = 0;

  const deadLetter = (row: OutboxRow, reason: string, error: string | null, spent: number) =>
    deadLetterOutbound(deps, {
      row,
      reason,
      error,
      write: (now) => storage.outbox.deadLetter({ messageId: row.messageId, now, reason, error, spent }) !== undefined,
    });

  const expireDue = () => {
    for (const messageId of storage.outbox.listExpired(clock.nowMs())) {
      const row = storage.outbox.get(messageId);
      if (row) deadLetter(row, "expired", row.lastError, 0);
    }
  };

  // Relayed rows are marked without waiting for the disk (a relay a power cut forgets is sent
  // again, and the proxy answers it as a duplicate): those answered in one turn share one commit.
  const settleSoon = createGroupCommit(storage, { fsync: false });
  const markRelayed = async (rows: OutboxRow[]) => {
    metrics.outboundRelayAttempts.inc({ outcome: "accepted" }, rows.length);
    const now = clock.nowMs();
    const outcomeCheckAt = now + Math.min(tuning.outcomeCheckAfterMs, tuning.outcomeDeadlineMs);
    await settleSoon(() => {
      for (const row of rows) storage.outbox.markRelayed({ messageId: row.messageId, now, outcomeCheckAt });
    });
    for (const row of rows) {
      metrics.outboundRelayed.inc();
      metrics.outboundRelayLatency.observe({ priority: row.priority }, (now - row.createdAt) / 1000);
      logger.debug("outbound message relayed", { messageId: row.messageId, attempt: row.attempts + 1 });
    }
  };

  const settle = async (row: OutboxRow, outcome: RemoteOutcome, signal: AbortSignal) => {
    if (outcome.kind === "accepted") return markRelayed([row]);
    const now = clock.nowMs();
    metrics.outboundRelayAttempts.inc({ outcome: outcome.kind });
    switch (outcome.kind) {
      case "identity_refused": {
        // Sent again at once when the identity changed meanwhile (a renewal); parked otherwise.
        const verdict = await identity.judgeRefusal(outcome);
        if (verdict === "halted" && identity.halted() === "revoked") {
          deadLetter(row, "sender_revoked", outcome.error, 1);
        } else {
          storage.outbox.release(row.messageId);
        }
        return;
      }
      case "throttled": {
        const delay =
          outcome.retryAfterMs ?? computeRetryDelayMs({ attempt: row.attempts + 1, priority: row.priority, policy });
        // The proxy's rate limit is per sender: every other row would get the same 429, so pause them all.
        pausedUntil = Math.max(pausedUntil, now + delay);
        storage.outbox.scheduleRetry({
          messageId: row.messageId,
          now,
          nextAttemptAt: now + delay,
          error: outcome.error,
        });
        logger.warn("proxy throttled the outbox", { messageId: row.messageId, retryAfterMs: delay });
        return;
      }
      case "transient": {
        const delay = computeRetryDelayMs({
          attempt: row.attempts + 1,
          priority: row.priority,
          policy,
          retryAfterMs: outcome.retryAfterMs,
        });
        storage.outbox.scheduleRetry({
          messageId: row.messageId,
          now,
          nextAttemptAt: now + delay,
          error: outcome.error,
        });
        logger.warn("relay attempt failed", { messageId: row.messageId, error: outcome.error, retryInMs: delay });
        return;
      }
      case "permanent":
        deadLetter(row, outcome.reason, outcome.error, 1);
        return;
      case "aborted":
        if (!claimRolledBack(signal)) storage.outbox.release(row.messageId);
        return;
    }
  };

  const send = (row: OutboxRow, permit: CircuitPermit) => async (signal: AbortSignal) => {
    const outcome = await callGuarded(permit, async () =>
      toProxyOutcome(await proxy.post(RELAY_PATHS.messages, row.payload, toRelayHeaders(row), signal), clock.nowMs()),
    );
    await settle(row, outcome, signal);
  };

  // Until a proxy answers that it has no batch route, what is ready goes in one batch request.
  let batchRoute = true;
  const parseResults = (json: unknown) => relayMessageBatchResponseSchema.safeParse(json).data?.results ?? null;
  const sendBatch = (rows: OutboxRow[], permit: CircuitPermit) => async (signal: AbortSignal) => {
    let outcomes: RemoteOutcome[] = [];
    const whole = await callGuarded(permit, async () => {
      const answer = await proxy.postRelayBatch(rows.map(toBatchMessage), signal);
      const batch = toBatchOutcome(answer, rows.length, clock.nowMs(), toProxyOutcome, parseResults);
      if (batch.kind === "items") outcomes = batch.outcomes;
      if (batch.kind === "missing_route") batchRoute = false;
      // An older proxy: the rows go back untouched and are sent one by one from now on.
      return batch.kind === "whole" ? batch.outcome : { kind: batch.kind === "items" ? "accepted" : "aborted" };
    });
    await settleBatch({
      rows,
      outcomes,
      whole,
      settle: (row, outcome) => settle(row, outcome, signal),
      settleAccepted: markRelayed,
    });
  };

  /** One permit for one batch of what is ready (most urgent first); a lone row takes the single route. */
  const claimReady = (now: number) => {
    const [permit] = acquirePermits(breaker, 1);
    if (!permit) return [];
    const rows = claimBatch(storage.outbox, { now, leaseMs: tuning.leaseMs });
    if (rows.length === 0) permit.release();
    if (rows.length <= 1) return rows.map((row) => send(row, permit));
    return [sendBatch(rows, permit)];
  };

  // While the agent is revoked nothing waiting can ever go: each is dead-lettered without a request.
  const deadLetterRevoked = (limit: number) => {
    const now = clock.nowMs();
    for (const row of storage.outbox.claimDue({ now, leaseMs: tuning.leaseMs, limit })) {
      deadLetter(row, "sender_revoked", "not sent: the agent or its AIT was revoked", 0);
    }
  };

  const loop = createWorkerLoop({
    name: "outbox",
    clock,
    concurrency: tuning.outboxConcurrency,
    maxIdleMs: tuning.maxIdleMs,
    claim(limit) {
      expireDue();
      const halted = identity.halted();
      if (halted === "revoked") deadLetterRevoked(limit);
      if (halted) return [];
      const now = clock.nowMs();
      if (now < pausedUntil) return [];
      if (batchRoute) return claimReady(now);
      return claimWithPermits(breaker, limit, (count) =>
        storage.outbox.claimDue({ now, leaseMs: tuning.leaseMs, limit: count }),
      ).map(({ row, permit }) => send(row, permit));
    },
    nextWakeAt: () => (identity.halted() ? null : toNextWakeAt(storage.outbox.nextDueAt(), breaker, pausedUntil)),
    onError: (error) => logger.error("outbox worker error", { error: toErrorMessage(error) }),
  });

  return {
    ...loop,
    pausedUntil: () => (pausedUntil > clock.nowMs() ? pausedUntil : null),
  };
}
