import { type DeadLetterReason, PRIORITIES, type RelayDeadLetter } from "@clawdentity/protocol";
import { toIsoTimestamp } from "@clawdentity/sdk";
import type { Outbox } from "../outbound";
import type { RelaySessionRuntime } from "../runtime";
import { COUNTERS, type DeadLetterStore, type MessageRecord, type MessageStore, type MetricsStore } from "../stores";

export type DeadLetterRecorder = (message: MessageRecord, reason: DeadLetterReason, nowMs: number) => void;

/**
 * The one way a message dies in a relay session (shed at capacity, expired, out of attempts,
 * recipient revoked): its row turns terminal, a dead-letter row records why and when, and a
 * `dead_lettered` receipt for the sender is written in the same storage transaction.
 */
export function createDeadLetterRecorder(deps: {
  messages: MessageStore;
  deadLetters: DeadLetterStore;
  metrics: MetricsStore;
  outbox: Outbox;
}): DeadLetterRecorder {
  const { messages, deadLetters, metrics, outbox } = deps;
  return function recordDeadLetter(message, reason, nowMs) {
    messages.markDeadLettered(message.seq, reason);
    deadLetters.insert({
      senderDid: message.senderDid,
      messageId: message.messageId,
      reason,
      attempts: message.attempts,
      deadLetteredAtMs: nowMs,
    });
    metrics.increment(COUNTERS.deadLettered(reason));
    if (reason === "expired") metrics.increment(COUNTERS.expired);
    outbox.receipt(
      {
        senderDid: message.senderDid,
        messageId: message.messageId,
        correlationId: message.correlationId,
        status: "dead_lettered",
        reason,
        atMs: nowMs,
        initiatedBy: null,
      },
      nowMs,
    );
  };
}

const PURGE_BATCH = 500;

export type RetryDeadLetterResult =
  | { ok: true; senderDid: string; queueDepth: number }
  | { ok: false; refusal: "not_found" | "queue_full" };

/** The agent's own dead letters held by the relay: list, put back in the queue, purge. */
export function createDeadLetterAdmin(deps: {
  deadLetters: DeadLetterStore;
  messages: MessageStore;
  metrics: MetricsStore;
  outbox: Outbox;
  runtime: RelaySessionRuntime;
}) {
  const { deadLetters, messages, metrics, outbox, runtime } = deps;

  return {
    list(limit: number): RelayDeadLetter[] {
      return deadLetters.listWithMessages(limit).map((row) => ({
        messageId: row.messageId,
        senderAgentDid: row.senderDid,
        correlationId: row.correlationId,
        priority: PRIORITIES[row.priorityRank] ?? "normal",
        reason: row.reason,
        attempts: row.attempts,
        deadLetteredAt: toIsoTimestamp(row.deadLetteredAtMs),
      }));
    },

    /**
     * Puts a dead letter back in the queue with fresh attempts and TTL, within capacity (a retry
     * never sheds other messages), and tells the sender's timeline it is queued again.
     */
    retry(messageId: string, senderDid: string | undefined, nowMs: number): RetryDeadLetterResult {
      const dead = deadLetters.findByMessageId(messageId, senderDid);
      const message = dead && messages.find(dead.senderDid, dead.messageId);
      if (!dead || !message || message.payload === null) return { ok: false, refusal: "not_found" };
      const { queueCapacity, messageTtlMs } = runtime.settings;
      if (messages.totalDepth() >= queueCapacity) return { ok: false, refusal: "queue_full" };
      messages.requeueDeadLettered(message.seq, nowMs, nowMs + messageTtlMs);
      deadLetters.delete(dead.seq);
      metrics.increment(COUNTERS.deadLettersRetried);
      outbox.reportOn(message, "queued", nowMs, { reason: "retried" });
      return { ok: true, senderDid: message.senderDid, queueDepth: messages.totalDepth() };
    },

    /** Removes dead letters (and their payloads) dead-lettered at or before `cutoffMs`. */
    purge(cutoffMs: number): number {
      let purged = 0;
      for (;;) {
        const removed = deadLetters.prune(cutoffMs, PURGE_BATCH);
        purged += removed;
        if (removed < PURGE_BATCH) break;
      }
      if (purged > 0) metrics.increment(COUNTERS.deadLettersPurged, purged);
      return purged;
    },
  };
}
export type DeadLetterAdmin = ReturnType<typeof createDeadLetterAdmin>;
