import type { DeliveryReceiptEvent } from "@clawdentity/protocol";
import { toFederationOutbox } from "../federation/forward-to-home";
import type { HandleResult, MessageConsumer } from "./message-consumer";
import type { QueueContext } from "./queue-context";

/**
 * `delivery_receipt` (on `clawdentity-receipts`): routed to the SENDER's relay session, which stores
 * it once and pushes it to its connector; then the RECIPIENT's session, which published it, is
 * told it arrived (it publishes it again until then). A batch makes one call per sender's session
 * (its receipts in one transaction and one push) and one per recipient's; a failed call retries
 * the messages it carried; both are idempotent. A sender the registry places at another proxy
 * gets it through that proxy's federation outbox (PROTOCOL.md §11.6), which keeps it until that
 * proxy stored it. A sender no proxy claims is recorded, not retried, and confirmed too:
 * publishing it again could not route it.
 */
export const deliveryReceiptsConsumer: MessageConsumer<DeliveryReceiptEvent> = {
  handleBatch: (events, ctx) => routeReceipts(events, ctx),
};

const UNROUTABLE: HandleResult = { unroutable: "the sender has no relay session on this proxy" };

async function routeReceipts(events: DeliveryReceiptEvent[], ctx: QueueContext): Promise<Array<HandleResult | Error>> {
  const results: Array<HandleResult | Error> = events.map(() => "done");
  const fail = (indexes: number[], error: unknown) => {
    for (const index of indexes) results[index] = error instanceof Error ? error : new Error(String(error));
  };
  // Each sender's home asked once; then the events in their order, so a sender's receipts are stored in it.
  const senders = [...new Set(events.map((event) => event.data.senderAgentDid))];
  const homes = new Map(
    await Promise.all(
      senders.map(async (senderDid) => [senderDid, await findSendersRemoteHome(senderDid, ctx)] as const),
    ),
  );
  const bySender = new Map<string, number[]>();
  const forwarded: Array<Promise<unknown>> = [];
  events.forEach((event, index) => {
    const senderDid = event.data.senderAgentDid;
    const home = homes.get(senderDid);
    if (!home) {
      addTo(bySender, senderDid, index);
      return;
    }
    forwarded.push(
      toFederationOutbox(ctx.env, home)
        .enqueueReceipt({ destination: home, receipt: event.data })
        .catch((error: unknown) => fail([index], error)),
    );
  });
  await Promise.all(forwarded);
  await Promise.all(
    [...bySender].map(async ([senderDid, indexes]) => {
      try {
        const stored = await ctx.session(senderDid).storeReceipts(indexes.map((index) => toData(events, index)));
        indexes.forEach((index, position) => {
          if (!stored[position]?.senderKnown) results[index] = UNROUTABLE;
        });
      } catch (error) {
        fail(indexes, error);
      }
    }),
  );
  const byRecipient = new Map<string, number[]>();
  events.forEach((event, index) => {
    if (results[index] instanceof Error) return;
    addTo(byRecipient, event.data.recipientAgentDid, index);
  });
  await Promise.all(
    [...byRecipient].map(([recipientDid, indexes]) =>
      ctx
        .session(recipientDid)
        .confirmOutbound(indexes.map((index) => (events[index] as DeliveryReceiptEvent).id))
        .catch((error: unknown) => fail(indexes, error)),
    ),
  );
  return results;
}

const addTo = (groups: Map<string, number[]>, key: string, index: number) => {
  const group = groups.get(key);
  if (group) group.push(index);
  else groups.set(key, [index]);
};

const toData = (events: DeliveryReceiptEvent[], index: number) => (events[index] as DeliveryReceiptEvent).data;

/**
 * The origin of the sender's home when the registry places it at another proxy (answers are
 * cached, §11.4); null with federation off, for a sender at home here or nowhere, and when the
 * registry cannot be asked (the receipt then stays on this proxy, as before federation).
 */
async function findSendersRemoteHome(senderDid: string, ctx: QueueContext): Promise<string | null> {
  const { federation } = ctx.config;
  if (!federation.signingKey) return null;
  try {
    const home = await ctx.registry.resolveHome(senderDid);
    return home && home.origin !== federation.origin ? home.origin : null;
  } catch (error) {
    console.warn("sender's home could not be resolved", { senderDid, error: String(error) });
    return null;
  }
}
