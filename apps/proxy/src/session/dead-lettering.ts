import type { DeadLetterReason } from "@clawdentity/protocol";
import { COUNTERS, type DeadLetterStore, type MessageRecord, type MessageStore, type MetricsStore } from "./stores";

export type DeadLetterRecorder = (message: MessageRecord, reason: DeadLetterReason, nowMs: number) => void;

/**
 * The one way a message dies in a relay session (shed at capacity, expired, out of attempts):
 * its row turns terminal and a dead-letter row records why and when. Notices to the sender hang
 * off this function, inside the same storage transaction.
 */
export function createDeadLetterRecorder(deps: {
  messages: MessageStore;
  deadLetters: DeadLetterStore;
  metrics: MetricsStore;
}): DeadLetterRecorder {
  const { messages, deadLetters, metrics } = deps;
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
  };
}
