import { type DeliveryReceiptEvent, deliveryReceiptEventSchema, EVENT_TYPES } from "@clawdentity/protocol";
import type { MessageConsumer } from "./consume-each";
import { parseEvent } from "./parse-event";

/**
 * `clawdentity-receipts` → `delivery_receipt`: routed to the SENDER's relay session, which stores
 * it once and pushes it to its connector; then the RECIPIENT's session, which published it, is
 * told it arrived (it publishes it again until then). A failure of either call retries the
 * message; both are idempotent. A sender this proxy never saw is recorded, not retried, and
 * confirmed too: publishing it again could not route it.
 */
export const deliveryReceiptsConsumer: MessageConsumer<DeliveryReceiptEvent> = {
  parse: (body) => parseEvent(body, EVENT_TYPES.deliveryReceipt, deliveryReceiptEventSchema),
  async handle(event, ctx) {
    const result = await ctx.session(event.data.senderAgentDid).storeReceipt(event.data);
    await ctx.session(event.data.recipientAgentDid).confirmOutbound([event.id]);
    return result.senderKnown ? "done" : { unroutable: "the sender has no relay session on this proxy" };
  },
};
