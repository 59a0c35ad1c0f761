import { EVENT_TYPES, type QueueEvent } from "@clawdentity/protocol";
import { deliveryReceiptsConsumer } from "./delivery-receipts";
import type { HandleResult, MessageConsumer } from "./message-consumer";
import type { QueueContext } from "./queue-context";
import { revocationEventsConsumer } from "./revocation-events";

export type QueueEventType = QueueEvent["type"];
type QueueEventOf<K extends QueueEventType> = Extract<QueueEvent, { type: K }>;

/** One consumer per envelope `type`: a type of `queueEventSchema` without one here does not compile. */
const QUEUE_CONSUMERS: { [K in QueueEventType]: MessageConsumer<QueueEventOf<K>> } = {
  [EVENT_TYPES.agentAuthRevoked]: revocationEventsConsumer,
  [EVENT_TYPES.deliveryReceipt]: deliveryReceiptsConsumer,
};

const toError = (error: unknown): Error => (error instanceof Error ? error : new Error(String(error)));

export function hasQueueConsumer(type: string): type is QueueEventType {
  return Object.hasOwn(QUEUE_CONSUMERS, type);
}

/**
 * Applies events that all have `type` with that type's consumer, whatever queue delivered them:
 * one result per event, in order; an `Error` retries that message alone.
 */
export async function handleQueueEvents(
  type: QueueEventType,
  events: QueueEvent[],
  ctx: QueueContext,
): Promise<Array<HandleResult | Error>> {
  // Every event given has `type`, so the consumer of `type` takes each of them.
  const consumer = QUEUE_CONSUMERS[type] as MessageConsumer<QueueEvent>;
  if ("handleBatch" in consumer) {
    return consumer.handleBatch(events, ctx).catch((error: unknown) => events.map(() => toError(error)));
  }
  return Promise.all(events.map((event) => consumer.handle(event, ctx).catch(toError)));
}
