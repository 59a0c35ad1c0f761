import { type DeliveryReceiptEvent, deliveryReceiptEventSchema, EVENT_TYPES } from "@clawdentity/protocol";
import type { MessageConsumer } from "./consume-each";
import { parseEvent } from "./parse-event";

/**
 * `clawdentity-receipts` → `delivery_receipt`: routed to the SENDER's relay session, which stores
 * it once and pushes it to its connector. A sender this proxy never saw is recorded, not retried.
 */
export const deliveryReceiptsConsumer: MessageConsumer<DeliveryReceiptEvent> = {
  parse: (body) => parseEvent(body, EVENT_TYPES.deliveryReceipt, deliveryReceiptEventSchema),
  async handle(event, ctx) {
    const result = await ctx.session(event.data.senderAgentDid).storeReceipt(event.data);
    return result.senderKnown ? "done" : { unroutable: "the sender has no relay session on this proxy" };
  },
};
