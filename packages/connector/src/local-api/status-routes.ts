import { CONNECTOR_PATHS, type ConnectorLatencyResponse, type ConnectorStatusResponse } from "@clawdentity/protocol";
import type { Hono } from "hono";

export interface StatusRouteDeps {
  status(): ConnectorStatusResponse;
  renderMetrics(): string;
  latency(): ConnectorLatencyResponse;
}

export function registerStatusRoutes(app: Hono, deps: StatusRouteDeps): void {
  app.get(CONNECTOR_PATHS.status, (c) => c.json(deps.status()));
  app.get(CONNECTOR_PATHS.latency, (c) => c.json(deps.latency()));
  app.get(CONNECTOR_PATHS.metrics, (c) =>
    c.body(deps.renderMetrics(), 200, { "content-type": "text/plain; version=0.0.4; charset=utf-8" }),
  );
}
