import {
  createTokenRequestSchema,
  type MeResponse,
  REGISTRY_PATHS,
  type TokenListResponse,
  type TokenResponse,
  ulidSchema,
} from "@clawdentity/protocol";
import { AppError } from "@clawdentity/sdk/http";
import type { Hono } from "hono";
import { listTokens, revokeToken, toOwner, toPersonalAccessToken } from "../db";
import { readJson } from "../http";
import { createToken } from "../owners";
import type { RouteDeps } from "./route-deps";

/** The calling owner and their personal access tokens. */
export function registerMeRoutes(app: Hono, { context, ownerAuth }: RouteDeps): void {
  app.get(REGISTRY_PATHS.me, ownerAuth, (c) => {
    const body: MeResponse = { owner: toOwner(c.get("auth").owner) };
    return c.json(body);
  });

  app.get(REGISTRY_PATHS.tokens, ownerAuth, async (c) => {
    const rows = await listTokens(context.db, c.get("auth").owner.id);
    const body: TokenListResponse = { tokens: rows.map(toPersonalAccessToken) };
    return c.json(body);
  });

  app.post(REGISTRY_PATHS.tokens, ownerAuth, async (c) => {
    const request = await readJson(c, createTokenRequestSchema);
    return c.json(await createToken(context, { ownerId: c.get("auth").owner.id, request }), 201);
  });

  app.delete(`${REGISTRY_PATHS.tokens}/:id`, ownerAuth, async (c) => {
    const id = ulidSchema.parse(c.req.param("id"));
    const row = await revokeToken(context.db, { id, ownerId: c.get("auth").owner.id, nowMs: context.clock.nowMs() });
    if (!row) throw new AppError("REGISTRY_TOKEN_NOT_FOUND", 404, "personal access token not found");
    const body: TokenResponse = { token: toPersonalAccessToken(row) };
    return c.json(body);
  });
}
