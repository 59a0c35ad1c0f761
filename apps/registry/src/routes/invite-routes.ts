import {
  createInviteRequestSchema,
  type InviteListResponse,
  REGISTRY_PATHS,
  redeemInviteRequestSchema,
} from "@clawdentity/protocol";
import type { Hono } from "hono";
import { listInviteViews, toInvite } from "../db";
import { readJson } from "../http";
import { createInvite, redeemInvite } from "../owners";
import type { RouteDeps } from "./route-deps";

export function registerInviteRoutes(app: Hono, { context, ownerAuth, adminOnly, rateLimit }: RouteDeps): void {
  app.post(REGISTRY_PATHS.invites, ownerAuth, adminOnly, async (c) => {
    const request = await readJson(c, createInviteRequestSchema, { emptyAsObject: true });
    return c.json(await createInvite(context, { creator: c.get("auth").owner, request }), 201);
  });

  app.get(REGISTRY_PATHS.invites, ownerAuth, adminOnly, async (c) => {
    const body: InviteListResponse = { invites: (await listInviteViews(context.db)).map(toInvite) };
    return c.json(body);
  });

  app.post(REGISTRY_PATHS.inviteRedeem, rateLimit("redeem"), async (c) => {
    const request = await readJson(c, redeemInviteRequestSchema);
    return c.json(await redeemInvite(context, request), 201);
  });
}
