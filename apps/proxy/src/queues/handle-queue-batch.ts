import { isDeadLetterQueueName } from "@clawdentity/protocol";
import { METRICS, toHistogramDeltas } from "../metrics";
import { consumeEach } from "./consume-each";
import { consumeDeadLetterQueue } from "./dead-letter-queue";
import type { QueueContext } from "./queue-context";

/**
 * Dispatches each message to the consumer of its envelope `type`, whatever queue delivered it: a
 * queue renamed in one place still reaches its consumer. A dead-letter queue's messages are the
 * same envelopes that already ran out of retries; nothing in them but their queue's name tells
 * them apart, so a batch is dead-lettered by that name (`isDeadLetterQueueName`, which
 * `pnpm deploy-check` holds every environment's `dead_letter_queue` to) and recorded, not handled.
 */
export async function handleQueueBatch(batch: MessageBatch, ctx: QueueContext): Promise<void> {
  const nowMs = ctx.clock.nowMs();
  for (const message of batch.messages) {
    const ageSeconds = (nowMs - message.timestamp.getTime()) / 1000;
    ctx.metrics.add(toHistogramDeltas(METRICS.queueMessageAge, { queue: batch.queue }, ageSeconds));
  }
  if (isDeadLetterQueueName(batch.queue)) await consumeDeadLetterQueue(batch, ctx);
  else await consumeEach(batch, ctx);
  ctx.metrics.flushIfDue(ctx.env, ctx.waitUntil);
}
