import type { DeliveryWebhookBody, ReceiptStatus } from "@clawdentity/protocol";
import { toIsoTimestamp } from "@clawdentity/sdk";
import type { CircuitBreaker, CircuitPermit } from "../circuit-breaker";
import type { ConnectorContext } from "../context";
import { toErrorMessage } from "../logger";
import type { RemoteOutcome } from "../proxy";
import {
  callGuarded,
  claimRolledBack,
  claimWithPermits,
  computeRetryDelayMs,
  createWorkerLoop,
  resolveRetryPolicy,
  toNextWakeAt,
  type WorkerLoop,
} from "../runtime";
import { createGroupCommit, type InboxRow } from "../storage";
import type { RuntimeWebhookClient, WebhookPause } from "../webhook";
import { enqueueDeliveryReceipt } from "./delivery-receipt";

export interface WebhookDeliveryDeps extends ConnectorContext {
  webhook: RuntimeWebhookClient;
  breaker: CircuitBreaker;
  /** Shared with the runtime notifier: a misconfigured webhook pauses both. */
  pause: WebhookPause;
  /** A receipt row was written: wake the receipt poster. */
  onReceiptQueued: () => void;
}

/** The `clawdentity.delivery.v1` body of PROTOCOL.md §9.1. */
export function toDeliveryWebhookBody(row: InboxRow): DeliveryWebhookBody {
  return {
    type: "clawdentity.delivery.v1",
    requestId: row.messageId,
    messageId: row.messageId,
    correlationId: row.correlationId,
    fromAgentDid: row.senderDid,
    toAgentDid: row.toAgentDid,
    payload: JSON.parse(row.payload),
    ...(row.conversationId ? { conversationId: row.conversationId } : {}),
    ...(row.replyTo ? { replyTo: row.replyTo } : {}),
    priority: row.priority,
    receivedAt: toIsoTimestamp(row.receivedAt),
  };
}

/**
 * Delivers inbox rows to the runtime webhook: priority first, order kept within a conversation,
 * a timeout per call, backoff, and a dead letter after `webhookMaxAttempts` or `webhookTtlMs`.
 * The receipt for the sender is written in the same transaction as the inbox state change.
 */
export function createWebhookDeliveryWorker(deps: WebhookDeliveryDeps): WorkerLoop {
  const { storage, breaker, pause, clock, tuning, metrics, logger } = deps;
  const policy = resolveRetryPolicy(tuning, "webhook", deps.random);

  const queueReceipt = (row: InboxRow, status: ReceiptStatus, reason: string | null, now: number) =>
    enqueueDeliveryReceipt(storage, { row, status, reason, now, ttlMs: tuning.receiptTtlMs });

  const deadLetter = (row: InboxRow, reason: string, error: string | null, spent: number) => {
    const now = clock.nowMs();
    const dead = storage.transaction(() => {
      const updated = storage.inbox.deadLetter({ seq: row.seq, now, reason, error, spent });
      if (updated) queueReceipt(row, "dead_lettered", reason, now);
      return updated;
    });
    if (!dead) return;
    metrics.inboundDeadLettered.inc({ reason });
    logger.warn("inbound message dead-lettered", { messageId: row.messageId, reason, error });
    deps.onReceiptQueued();
  };

  // Lost in a power cut, a delivered row is delivered again (the webhook is at least once, under
  // one webhook-id) and its receipt queued again: nothing waits on this commit being on disk. The
  // deliveries answered in one turn are settled in one commit.
  const settleSoon = createGroupCommit(storage, { fsync: false });

  const settle = async (row: InboxRow, outcome: RemoteOutcome, signal: AbortSignal) => {
    const now = clock.nowMs();
    metrics.webhookDeliveries.inc({ outcome: outcome.kind });
    pause.record(outcome);
    if (outcome.kind === "accepted") {
      const delivered = await settleSoon(() => {
        if (!storage.inbox.markDelivered(row.seq, now)) return false;
        queueReceipt(row, "delivered_to_webhook", null, now);
        return true;
      });
      if (delivered) metrics.webhookDeliveryLatency.observe({ priority: row.priority }, (now - row.receivedAt) / 1000);
      logger.debug("inbound message delivered to webhook", { messageId: row.messageId, attempt: row.attempts + 1 });
      deps.onReceiptQueued();
      return;
    }
    if (outcome.kind === "aborted") return claimRolledBack(signal) ? undefined : storage.inbox.release(row.seq);
    if (outcome.kind === "permanent") return deadLetter(row, outcome.reason, outcome.error, 1);
    if (outcome.kind === "misconfigured") {
      // Spends no attempt: a wrong URL or token must not use up the backlog, only its TTL may. The
      // row stays due; the pause decides when the next call goes.
      storage.inbox.postpone({ seq: row.seq, now, nextAttemptAt: now, error: outcome.error });
      return;
    }
    const attempt = row.attempts + 1;
    if (attempt >= tuning.webhookMaxAttempts) return deadLetter(row, "max_attempts", outcome.error, 1);
    const delay = computeRetryDelayMs({ attempt, priority: row.priority, policy, retryAfterMs: outcome.retryAfterMs });
    storage.inbox.scheduleRetry({ seq: row.seq, now, nextAttemptAt: now + delay, error: outcome.error });
    logger.warn("webhook delivery failed", {
      messageId: row.messageId,
      attempt,
      error: outcome.error,
      retryInMs: delay,
    });
  };

  const deliver = (row: InboxRow, permit: CircuitPermit) => async (signal: AbortSignal) => {
    const outcome = await callGuarded(permit, () =>
      deps.webhook.post(
        {
          webhookId: row.messageId,
          messageId: row.messageId,
          correlationId: row.correlationId,
          body: JSON.stringify(toDeliveryWebhookBody(row)),
        },
        signal,
      ),
    );
    await settle(row, outcome, signal);
  };

  const expireDue = () => {
    // Expiring while the target refuses every call: the message died of the misconfiguration.
    const reason = pause.isPaused() ? "webhook_misconfigured" : "expired";
    for (const seq of storage.inbox.listExpired(clock.nowMs())) {
      const row = storage.inbox.get(seq);
      if (row) deadLetter(row, reason, row.lastError, 0);
    }
  };

  return createWorkerLoop({
    name: "webhook-delivery",
    clock,
    concurrency: tuning.webhookConcurrency,
    maxIdleMs: tuning.maxIdleMs,
    claim(limit) {
      expireDue();
      const now = clock.nowMs();
      return pause
        .claim(limit, (allowed) =>
          claimWithPermits(breaker, allowed, (count) =>
            storage.inbox.claimDue({ now, leaseMs: tuning.leaseMs, limit: count }),
          ),
        )
        .map(({ row, permit }) => deliver(row, permit));
    },
    nextWakeAt: () => toNextWakeAt(storage.inbox.nextDueAt(), breaker, pause.nextAttemptAt() ?? 0),
    onError: (error) => logger.error("webhook delivery worker error", { error: toErrorMessage(error) }),
  });
}
