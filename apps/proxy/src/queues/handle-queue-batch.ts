import { METRICS, toHistogramDeltas } from "../metrics";
import { consumeEach } from "./consume-each";
import { consumeDeadLetterQueue } from "./dead-letter-queue";
import { deliveryReceiptsConsumer } from "./delivery-receipts";
import type { QueueContext } from "./queue-context";
import { revocationEventsConsumer } from "./revocation-events";
import { recordAndAck, toQueueRecord } from "./settle-messages";

/** Dispatches a batch by its queue's name (this environment's names, from config) to its consumer. */
export async function handleQueueBatch(batch: MessageBatch, ctx: QueueContext): Promise<void> {
  const names = ctx.config.queues.names;
  const nowMs = ctx.clock.nowMs();
  for (const message of batch.messages) {
    const ageSeconds = (nowMs - message.timestamp.getTime()) / 1000;
    ctx.metrics.add(toHistogramDeltas(METRICS.queueMessageAge, { queue: batch.queue }, ageSeconds));
  }
  switch (batch.queue) {
    case names.events:
      await consumeEach(batch, revocationEventsConsumer, ctx);
      break;
    case names.receipts:
      await consumeEach(batch, deliveryReceiptsConsumer, ctx);
      break;
    case names.eventsDlq:
    case names.receiptsDlq:
      await consumeDeadLetterQueue(batch, ctx);
      break;
    default:
      // A binding this code does not know: keep the messages for an operator rather than loop on them.
      await recordAndAck(
        batch.messages.map((message) => ({
          message,
          record: toQueueRecord(message, batch.queue, "unknown_type", "no consumer for this queue"),
        })),
        batch.queue,
        ctx,
      );
  }
  ctx.metrics.flushIfDue(ctx.env, ctx.waitUntil);
}
