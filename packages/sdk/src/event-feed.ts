import { EVENT_FEED_TYPE, type EventFeedClaims, eventFeedClaimsSchema } from "@clawdentity/protocol";
import { createSignedDocument } from "./jws";

/** One page of the registry's event feed, signed like the CRL (PROTOCOL.md §11.5). */
const eventFeed = createSignedDocument<EventFeedClaims>(EVENT_FEED_TYPE, eventFeedClaimsSchema, "event feed");

export const signEventFeed = eventFeed.sign;
export const verifyEventFeed = eventFeed.verify;
