import { type EventFeedResponse, eventFeedQuerySchema, REGISTRY_PATHS } from "@clawdentity/protocol";
import type { Hono } from "hono";
import { createSignedEventFeed } from "../outbox";
import type { RouteDeps } from "./route-deps";

/** PROTOCOL.md §11.5: the signed, cursor-paged feed other deployments poll for revocations. */
export function registerEventRoutes(app: Hono, { context, rateLimit }: RouteDeps): void {
  app.get(REGISTRY_PATHS.events, rateLimit("events"), async (c) => {
    const query = eventFeedQuerySchema.parse(c.req.query());
    const body: EventFeedResponse = { feed: await createSignedEventFeed(context, query) };
    c.header("cache-control", "no-store");
    return c.json(body);
  });
}
