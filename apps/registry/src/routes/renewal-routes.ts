import { agentRenewalPolicyRequestSchema, agentRenewalRequestSchema, REGISTRY_PATHS } from "@clawdentity/protocol";
import type { Hono } from "hono";
import { renewAgent, setRenewalPolicy } from "../agents";
import { readJson, toJsonBody } from "../http";
import type { RouteDeps } from "./route-deps";

/** Self-renewal: the agent renews its own AIT (signed request); the owner sets whether and how long. */
export function registerRenewalRoutes(app: Hono, { context, ownerAuth, agentAuth, rateLimit }: RouteDeps): void {
  app.post(REGISTRY_PATHS.agentRenew, rateLimit("renew"), agentAuth, async (c) => {
    const auth = c.get("agentAuth");
    const request = toJsonBody(auth.body, agentRenewalRequestSchema, { emptyAsObject: true });
    return c.json(await renewAgent(context, { auth, request }));
  });

  app.patch(`${REGISTRY_PATHS.agents}/:id/renewal`, ownerAuth, async (c) => {
    const request = await readJson(c, agentRenewalPolicyRequestSchema);
    return c.json(await setRenewalPolicy(context, { owner: c.get("auth").owner, ref: c.req.param("id"), request }));
  });
}
