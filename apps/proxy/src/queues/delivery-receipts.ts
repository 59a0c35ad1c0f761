import { type DeliveryReceiptEvent, deliveryReceiptEventSchema, EVENT_TYPES } from "@clawdentity/protocol";
import { toFederationOutbox } from "../federation/forward-to-home";
import type { HandleResult, MessageConsumer } from "./consume-each";
import { parseEvent } from "./parse-event";
import type { QueueContext } from "./queue-context";

/**
 * `clawdentity-receipts` → `delivery_receipt`: routed to the SENDER's relay session, which stores
 * it once and pushes it to its connector; then the RECIPIENT's session, which published it, is
 * told it arrived (it publishes it again until then). A failure of either call retries the
 * message; both are idempotent. A sender the registry places at another proxy gets it through
 * that proxy's federation outbox (PROTOCOL.md §11.6), which keeps it until that proxy stored it.
 * A sender no proxy claims is recorded, not retried, and confirmed too: publishing it again could
 * not route it.
 */
export const deliveryReceiptsConsumer: MessageConsumer<DeliveryReceiptEvent> = {
  parse: (body) => parseEvent(body, EVENT_TYPES.deliveryReceipt, deliveryReceiptEventSchema),
  async handle(event, ctx) {
    const home = await findSendersRemoteHome(event, ctx);
    let routed: HandleResult = "done";
    if (home) {
      await toFederationOutbox(ctx.env, home).enqueueReceipt({ destination: home, receipt: event.data });
    } else {
      const result = await ctx.session(event.data.senderAgentDid).storeReceipt(event.data);
      if (!result.senderKnown) routed = { unroutable: "the sender has no relay session on this proxy" };
    }
    await ctx.session(event.data.recipientAgentDid).confirmOutbound([event.id]);
    return routed;
  },
};

/**
 * The origin of the sender's home when the registry places it at another proxy (answers are
 * cached, §11.4); null with federation off, for a sender at home here or nowhere, and when the
 * registry cannot be asked (the receipt then stays on this proxy, as before federation).
 */
async function findSendersRemoteHome(event: DeliveryReceiptEvent, ctx: QueueContext): Promise<string | null> {
  const { federation } = ctx.config;
  if (!federation.signingKey) return null;
  try {
    const home = await ctx.registry.resolveHome(event.data.senderAgentDid);
    return home && home.origin !== federation.origin ? home.origin : null;
  } catch (error) {
    console.warn("sender's home could not be resolved", { senderDid: event.data.senderAgentDid, error: String(error) });
    return null;
  }
}
