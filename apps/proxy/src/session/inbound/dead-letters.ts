import type { DeadLetterReason } from "@clawdentity/protocol";
import type { OutboundWriter } from "../outbound/outbox";
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
  notices: OutboundWriter;
}): DeadLetterRecorder {
  const { messages, deadLetters, metrics, notices } = deps;
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
    notices.receipt(
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
