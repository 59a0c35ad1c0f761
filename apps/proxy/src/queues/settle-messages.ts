import { computeBackoffMs, DEFAULTS } from "@clawdentity/protocol";
import { METRICS, toQueueRecordsObject, toSeriesKey } from "../metrics";
import type { QueueRecordInput, QueueRecordKind } from "../ops";
import type { QueueContext } from "./queue-context";

/** What an operator sees of a message body: JSON text, cut short. */
const RECORD_BODY_CHARS = 4_096;

export type QueueOutcome = "ack" | "retry" | QueueRecordKind;

export function countOutcome(ctx: QueueContext, queue: string, outcome: QueueOutcome, by = 1): void {
  ctx.metrics.increment(toSeriesKey(METRICS.queueMessages, { queue, outcome }), by);
}

/** Delay before a failed message is tried again: the queue backoff for its attempt number, in whole seconds. */
export function toRetryDelaySeconds(attempts: number, ctx: QueueContext): number {
  const delayMs = computeBackoffMs(Math.max(1, attempts), {
    baseMs: ctx.config.queues.retryBaseMs,
    maxMs: ctx.config.queues.retryMaxMs,
    jitterRatio: DEFAULTS.retryJitterRatio,
    ...(ctx.random ? { random: ctx.random } : {}),
  });
  return Math.max(1, Math.ceil(delayMs / 1000));
}

/** Retries one message with the delay its attempt count calls for. */
export function retryMessage(message: Message, queue: string, ctx: QueueContext, error: unknown): void {
  const delaySeconds = toRetryDelaySeconds(message.attempts, ctx);
  console.warn("queue message retried", {
    queue,
    id: message.id,
    attempts: message.attempts,
    delaySeconds,
    error: String(error),
  });
  message.retry({ delaySeconds });
  countOutcome(ctx, queue, "retry");
}

export function toQueueRecord(
  message: Message,
  queue: string,
  kind: QueueRecordKind,
  reason: string | null,
): QueueRecordInput {
  let body: string | null;
  try {
    body = JSON.stringify(message.body)?.slice(0, RECORD_BODY_CHARS) ?? null;
  } catch {
    body = String(message.body).slice(0, RECORD_BODY_CHARS);
  }
  return {
    queue,
    messageId: message.id,
    kind,
    reason: reason?.slice(0, 500) ?? null,
    attempts: message.attempts,
    body,
  };
}

/**
 * Records messages where operators can list them, then acks each; if the record cannot be
 * written, each is retried instead, so nothing is dropped unrecorded.
 */
export async function recordAndAck(
  entries: Array<{ message: Message; record: QueueRecordInput }>,
  queue: string,
  ctx: QueueContext,
): Promise<void> {
  if (entries.length === 0) return;
  try {
    await toQueueRecordsObject(ctx.env).recordQueueMessages(
      entries.map((entry) => entry.record),
      ctx.clock.nowMs(),
    );
  } catch (error) {
    for (const { message } of entries) retryMessage(message, queue, ctx, error);
    return;
  }
  for (const { message, record } of entries) {
    message.ack();
    countOutcome(ctx, queue, record.kind);
  }
}
