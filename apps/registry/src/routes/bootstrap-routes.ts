import { BOOTSTRAP_SECRET_HEADER, bootstrapRequestSchema, REGISTRY_PATHS } from "@clawdentity/protocol";
import type { Hono } from "hono";
import { readJson } from "../http";
import { bootstrapOwner } from "../owners";
import type { RouteDeps } from "./route-deps";

export function registerBootstrapRoutes(app: Hono, { context, rateLimit }: RouteDeps): void {
  app.post(REGISTRY_PATHS.bootstrap, rateLimit("bootstrap"), async (c) => {
    const secret = c.req.header(BOOTSTRAP_SECRET_HEADER);
    const request = await readJson(c, bootstrapRequestSchema, { emptyAsObject: true });
    return c.json(await bootstrapOwner(context, { secret, request }), 201);
  });
}
