import { RELAY_PATHS, type RelayMetricsResponse } from "@clawdentity/protocol";
import type { Hono, MiddlewareHandler } from "hono";
import type { ProxyEnv } from "../app-env";
import { toRelaySession } from "../relay-sessions";

/** The calling agent's own relay figures. */
export function registerRelayMetricsRoutes(app: Hono<ProxyEnv>, deps: { auth: MiddlewareHandler<ProxyEnv> }): void {
  app.get(RELAY_PATHS.relayMetrics, deps.auth, async (c) => {
    const metrics: RelayMetricsResponse = await toRelaySession(c.env, c.get("agent").did).getMetrics();
    return c.json(metrics);
  });
}
