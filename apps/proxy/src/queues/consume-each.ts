import type { QueueRecordKind } from "../ops";
import type { QueueContext } from "./queue-context";
import { countOutcome, recordAndAck, retryMessage, toQueueRecord } from "./settle-messages";

export type ParseResult<T> =
  | { ok: true; value: T }
  | { ok: false; kind: Extract<QueueRecordKind, "malformed" | "unknown_type">; reason: string };

/** `done`, or a message that was valid but could not be delivered anywhere (recorded, not retried). */
export type HandleResult = "done" | { unroutable: string };

/** One consumer module: turns a body into its event, and applies it. */
export interface MessageConsumer<T> {
  parse(body: unknown): ParseResult<T>;
  /** Throws on a transient failure: the message is then retried with a delay. */
  handle(value: T, ctx: QueueContext): Promise<HandleResult>;
}

/**
 * Parse → handle → explicit ack or retry, per message: a bad message never makes the batch retry.
 * Malformed, unknown and unroutable messages are recorded for operators and acked.
 */
export async function consumeEach<T>(
  batch: MessageBatch,
  consumer: MessageConsumer<T>,
  ctx: QueueContext,
): Promise<void> {
  const queue = batch.queue;
  const invalid: Parameters<typeof recordAndAck>[0] = [];
  const valid: Array<{ message: Message; value: T }> = [];
  for (const message of batch.messages) {
    const parsed = consumer.parse(message.body);
    if (parsed.ok) valid.push({ message, value: parsed.value });
    else invalid.push({ message, record: toQueueRecord(message, queue, parsed.kind, parsed.reason) });
  }
  const unroutable: Parameters<typeof recordAndAck>[0] = [];
  await Promise.all(
    valid.map(async ({ message, value }) => {
      try {
        const result = await consumer.handle(value, ctx);
        if (result === "done") {
          message.ack();
          countOutcome(ctx, queue, "ack");
        } else {
          unroutable.push({ message, record: toQueueRecord(message, queue, "unroutable", result.unroutable) });
        }
      } catch (error) {
        retryMessage(message, queue, ctx, error);
      }
    }),
  );
  await recordAndAck([...invalid, ...unroutable], queue, ctx);
}
