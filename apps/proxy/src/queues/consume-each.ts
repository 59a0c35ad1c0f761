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
  /**
   * Applies the valid messages of a batch together (fewer calls than one `handle` each): one
   * result per value, in order; an `Error` retries that message alone, with a delay.
   */
  handleBatch?(values: T[], ctx: QueueContext): Promise<Array<HandleResult | Error>>;
}

const toError = (error: unknown): Error => (error instanceof Error ? error : new Error(String(error)));

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
  const values = valid.map(({ value }) => value);
  const results = consumer.handleBatch
    ? await consumer.handleBatch(values, ctx).catch((error: unknown) => values.map(() => toError(error)))
    : await Promise.all(values.map((value) => consumer.handle(value, ctx).catch(toError)));
  const unroutable: Parameters<typeof recordAndAck>[0] = [];
  valid.forEach(({ message }, index) => {
    const result = results[index] ?? new Error("no result for the message");
    if (result instanceof Error) {
      retryMessage(message, queue, ctx, result);
    } else if (result === "done") {
      message.ack();
      countOutcome(ctx, queue, "ack");
    } else {
      unroutable.push({ message, record: toQueueRecord(message, queue, "unroutable", result.unroutable) });
    }
  });
  await recordAndAck([...invalid, ...unroutable], queue, ctx);
}
