import type { QueueEvent } from "@clawdentity/protocol";
import { parseQueueEvent } from "./parse-event";
import { handleQueueEvents, type QueueEventType } from "./queue-consumers";
import type { QueueContext } from "./queue-context";
import { countOutcome, recordAndAck, retryMessage, toQueueRecord } from "./settle-messages";

type SettledEntries = Parameters<typeof recordAndAck>[0];

/**
 * Parse → handle by the envelope's `type` → explicit ack or retry, per message: a bad message
 * never makes the batch retry. Malformed, unknown and unroutable messages are recorded for
 * operators and acked.
 */
export async function consumeEach(batch: MessageBatch, ctx: QueueContext): Promise<void> {
  const queue = batch.queue;
  const invalid: SettledEntries = [];
  const byType = new Map<QueueEventType, Array<{ message: Message; event: QueueEvent }>>();
  for (const message of batch.messages) {
    const parsed = parseQueueEvent(message.body);
    if (!parsed.ok) {
      invalid.push({ message, record: toQueueRecord(message, queue, parsed.kind, parsed.reason) });
      continue;
    }
    const group = byType.get(parsed.value.type) ?? [];
    group.push({ message, event: parsed.value });
    byType.set(parsed.value.type, group);
  }
  const unroutable: SettledEntries = [];
  await Promise.all(
    [...byType].map(async ([type, entries]) => {
      const results = await handleQueueEvents(
        type,
        entries.map(({ event }) => event),
        ctx,
      );
      entries.forEach(({ message }, index) => {
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
    }),
  );
  await recordAndAck([...invalid, ...unroutable], queue, ctx);
}
