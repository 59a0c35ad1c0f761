import { type HealthResponse, RELAY_PATHS } from "@clawdentity/protocol";
import type { Hono } from "hono";
import packageJson from "../../package.json";
import type { ProxyEnv } from "../app-env";
import type { ProxyConfig } from "../config";

export function registerHealthRoutes(app: Hono<ProxyEnv>, deps: { config: ProxyConfig }): void {
  app.get(RELAY_PATHS.health, (c) => {
    const ready = c.env.RELAY_SESSIONS !== undefined;
    const body: HealthResponse = {
      status: ready ? "ok" : "degraded",
      version: packageJson.version,
      environment: deps.config.environment,
      ready,
    };
    return c.json(body, ready ? 200 : 503);
  });
}
