import { countBillable } from "../billing";

/** Cloudflare Queues limits of one `sendBatch`: 100 messages, 256 KB in all. */
export const QUEUE_BATCH_LIMITS = { maxMessages: 100, maxBytes: 256 * 1000 } as const;

/** Room kept per message for what the platform adds to each body in the batch total. */
const PER_MESSAGE_OVERHEAD_BYTES = 100;

/** Splits JSON bodies into groups within one `sendBatch`'s limits, keeping their order. */
export function toQueueBatches<T>(bodies: T[]): T[][] {
  const batches: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const body of bodies) {
    const size = new TextEncoder().encode(JSON.stringify(body)).byteLength + PER_MESSAGE_OVERHEAD_BYTES;
    if (
      current.length > 0 &&
      (current.length >= QUEUE_BATCH_LIMITS.maxMessages || bytes + size > QUEUE_BATCH_LIMITS.maxBytes)
    ) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(body);
    bytes += size;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

/** Sends JSON bodies with as few `sendBatch` calls as the limits allow, one after the other. */
export async function sendInBatches<T>(queue: Queue<T>, bodies: T[]): Promise<void> {
  for (const batch of toQueueBatches(bodies)) {
    await queue.sendBatch(batch.map((body) => ({ body, contentType: "json" as const })));
    countBillable("queueMessagesSent", batch.length);
  }
}
