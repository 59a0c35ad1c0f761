import { type EventFeedQuery, eventEnvelopeSchema } from "@clawdentity/protocol";
import { toNowSeconds } from "@clawdentity/sdk";
import type { RegistryContext } from "../context";
import { listFeedEvents } from "./outbox-store";

/**
 * One signed page of the event outbox, in commit order (PROTOCOL.md §11.5). Every row is an event
 * this registry committed, sent to its own queue or not yet: other deployments learn it either way.
 */
export async function createSignedEventFeed(context: RegistryContext, query: EventFeedQuery): Promise<string> {
  const { clock, config, db, signer } = context;
  const afterSeq = Number(query.cursor);
  // One row more than the page tells whether another page follows.
  const rows = await listFeedEvents(db, { afterSeq, limit: query.limit + 1 });
  const page = rows.slice(0, query.limit);
  const iat = toNowSeconds(clock);
  return signer.signEventFeed({
    iss: config.issuerUrl,
    iat,
    exp: iat + config.crl.ttlSeconds,
    cursor: query.cursor,
    nextCursor: String(page.at(-1)?.seq ?? afterSeq),
    hasMore: rows.length > query.limit,
    events: page.map((row) => eventEnvelopeSchema.parse(JSON.parse(row.payload))),
  });
}
