import type { HealthResponse } from "@clawdentity/protocol";
import type { Hono } from "hono";
import packageJson from "../../package.json";
import { findOldestUnsentAt } from "../outbox";
import type { RouteDeps } from "./route-deps";

/** `ready` means D1 answers; `degraded` means an event has waited too long to be published. */
export function registerHealthRoutes(app: Hono, { context }: RouteDeps): void {
  app.get("/health", async (c) => {
    const { db, clock, config } = context;
    const oldestUnsentAt = await findOldestUnsentAt(db).then(
      (value) => ({ ready: true, value }),
      (error: unknown) => {
        console.error("health: database unavailable", error);
        return { ready: false, value: null };
      },
    );
    const stale = oldestUnsentAt.value !== null && clock.nowMs() - oldestUnsentAt.value > config.outbox.staleAfterMs;
    const body: HealthResponse = {
      status: oldestUnsentAt.ready && !stale ? "ok" : "degraded",
      version: packageJson.version,
      environment: config.environment,
      ready: oldestUnsentAt.ready,
    };
    c.header("cache-control", "no-store");
    return c.json(body, oldestUnsentAt.ready ? 200 : 503);
  });
}
