import { REGISTRY_PATHS, type ResolveAgentResponse } from "@clawdentity/protocol";
import type { Hono } from "hono";
import { findAgentByRef } from "../agents";
import { toResolvedAgent } from "../db";
import type { RouteDeps } from "./route-deps";

/** Public lookup of one agent by ULID or DID; revoked agents resolve with `status: "revoked"`. */
export function registerResolveRoutes(app: Hono, { context, rateLimit }: RouteDeps): void {
  app.get(`${REGISTRY_PATHS.resolve}/:id`, rateLimit("resolve"), async (c) => {
    const agent = await findAgentByRef(context, c.req.param("id"));
    const body: ResolveAgentResponse = { agent: toResolvedAgent(agent) };
    c.header("cache-control", "no-store");
    return c.json(body);
  });
}
