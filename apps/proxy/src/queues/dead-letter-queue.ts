import type { QueueContext } from "./queue-context";
import { recordAndAck, toQueueRecord } from "./settle-messages";

/**
 * Every dead-letter queue: each poison message (out of retries on its queue) is recorded where an
 * operator can list it (`GET /v1/ops/dead-letter-queue`) and counted in `/metrics`, then acked.
 */
export async function consumeDeadLetterQueue(batch: MessageBatch, ctx: QueueContext): Promise<void> {
  const reason = `out of retries on ${batch.queue.replace(/-dlq(?=-|$)/, "")}`;
  await recordAndAck(
    batch.messages.map((message) => ({
      message,
      record: toQueueRecord(message, batch.queue, "dead_lettered", reason),
    })),
    batch.queue,
    ctx,
  );
}
