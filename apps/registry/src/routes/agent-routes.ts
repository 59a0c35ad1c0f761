import {
  type AgentListResponse,
  agentChallengeRequestSchema,
  agentListQuerySchema,
  agentRegistrationRequestSchema,
  REGISTRY_PATHS,
  reissueAgentRequestSchema,
} from "@clawdentity/protocol";
import type { Hono } from "hono";
import { createChallenge, registerAgent, reissueAgent, revokeAgent } from "../agents";
import { listAgentViews, toAgent } from "../db";
import { readJson } from "../http";
import type { RouteDeps } from "./route-deps";

/** The owner's agents: challenge, register, list, reissue, revoke. */
export function registerAgentRoutes(app: Hono, { context, ownerAuth, rateLimit }: RouteDeps): void {
  app.post(REGISTRY_PATHS.agentChallenge, rateLimit("challenge"), ownerAuth, async (c) => {
    const { publicKey } = await readJson(c, agentChallengeRequestSchema);
    return c.json(await createChallenge(context, { owner: c.get("auth").owner, publicKey }), 201);
  });

  app.post(REGISTRY_PATHS.agents, ownerAuth, async (c) => {
    const request = await readJson(c, agentRegistrationRequestSchema);
    return c.json(await registerAgent(context, { owner: c.get("auth").owner, request }), 201);
  });

  app.get(REGISTRY_PATHS.agents, ownerAuth, async (c) => {
    const query = agentListQuerySchema.parse(c.req.query());
    const rows = await listAgentViews(context.db, {
      ownerId: c.get("auth").owner.id,
      ...query,
      limit: query.limit + 1,
    });
    const page = rows.slice(0, query.limit);
    const body: AgentListResponse = {
      agents: page.map(toAgent),
      nextCursor: rows.length > query.limit ? (page.at(-1)?.id ?? null) : null,
    };
    return c.json(body);
  });

  app.post(`${REGISTRY_PATHS.agents}/:id/reissue`, ownerAuth, async (c) => {
    const request = await readJson(c, reissueAgentRequestSchema, { emptyAsObject: true });
    return c.json(await reissueAgent(context, { owner: c.get("auth").owner, ref: c.req.param("id"), request }));
  });

  app.delete(`${REGISTRY_PATHS.agents}/:id`, ownerAuth, async (c) => {
    return c.json(await revokeAgent(context, { owner: c.get("auth").owner, ref: c.req.param("id") }));
  });
}
