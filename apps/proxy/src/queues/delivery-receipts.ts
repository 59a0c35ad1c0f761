import { type DeliveryReceiptEvent, deliveryReceiptEventSchema, EVENT_TYPES } from "@clawdentity/protocol";
import { toFederationOutbox } from "../federation/forward-to-home";
import type { HandleResult, MessageConsumer } from "./consume-each";
import { parseEvent } from "./parse-event";
import type { QueueContext } from "./queue-context";

/**
 * `clawdentity-receipts` → `delivery_receipt`: routed to the SENDER's relay session, which stores
 * it once and pushes it to its connector; then the RECIPIENT's session, which published it, is
 * told it arrived (it publishes it again until then). A failure of either call retries the
 * message; both are idempotent. A sender at home on another proxy gets it through that proxy's
 * federation outbox (PROTOCOL.md §11.6), which keeps it until that proxy stored it. A sender no
 * proxy claims is recorded, not retried, and confirmed too: publishing it again could not route it.
 */
export const deliveryReceiptsConsumer: MessageConsumer<DeliveryReceiptEvent> = {
  parse: (body) => parseEvent(body, EVENT_TYPES.deliveryReceipt, deliveryReceiptEventSchema),
  async handle(event, ctx) {
    const result = await ctx.session(event.data.senderAgentDid).storeReceipt(event.data);
    const routed: HandleResult = result.senderKnown ? "done" : await forwardToSendersHome(event, ctx);
    await ctx.session(event.data.recipientAgentDid).confirmOutbound([event.id]);
    return routed;
  },
};

/** Stores the receipt in the outbox of the sender's home proxy; a registry failure retries the message. */
async function forwardToSendersHome(event: DeliveryReceiptEvent, ctx: QueueContext): Promise<HandleResult> {
  const { federation } = ctx.config;
  const unroutable = { unroutable: "the sender has no relay session on this proxy" };
  if (!federation.signingKey) return unroutable;
  const home = await ctx.registry.resolveHome(event.data.senderAgentDid);
  if (!home || home.origin === federation.origin) return unroutable;
  await toFederationOutbox(ctx.env, home.origin).enqueueReceipt({ destination: home.origin, receipt: event.data });
  return "done";
}
