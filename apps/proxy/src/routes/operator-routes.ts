import { type BillableOpsResponse, type OperatorQueueRecord, RELAY_PATHS } from "@clawdentity/protocol";
import { AppError, secretsMatch } from "@clawdentity/sdk/http";
import type { Hono, MiddlewareHandler } from "hono";
import { z } from "zod";
import type { ProxyEnv } from "../app-env";
import { readBillableOps } from "../billing";
import type { ProxyConfig } from "../config";
import { readMetricTotals, toPrometheusText, toQueueRecordsObject } from "../metrics";

const BEARER = /^Bearer\s+(\S+)\s*$/i;
const recordsQuerySchema = z.object({ limit: z.coerce.number().int().min(1).max(1000).default(100) });

/** Bearer `METRICS_TOKEN`, compared in constant time; no token configured refuses everyone. */
export function createOperatorAuth(config: ProxyConfig): MiddlewareHandler<ProxyEnv> {
  return async function authenticateOperator(c, next) {
    const presented = BEARER.exec(c.req.header("authorization") ?? "")?.[1];
    if (!(await secretsMatch(presented, config.metricsToken))) {
      c.header("www-authenticate", 'Bearer realm="clawdentity-proxy-metrics"');
      throw new AppError("PROXY_METRICS_UNAUTHORIZED", 401, "a valid operator bearer token is required");
    }
    await next();
  };
}

/** `GET /metrics` (Prometheus text) and the operator's list of poison queue messages. */
export function registerOperatorRoutes(app: Hono<ProxyEnv>, deps: { config: ProxyConfig }): void {
  const operator = createOperatorAuth(deps.config);

  app.get(RELAY_PATHS.metrics, operator, async (c) => {
    const text = toPrometheusText(await readMetricTotals(c.env, deps.config.relay.metricsShards));
    return c.text(text, 200, { "content-type": "text/plain; version=0.0.4; charset=utf-8" });
  });

  app.get(RELAY_PATHS.opsBillableOps, operator, (c) => {
    const body: BillableOpsResponse = { scope: "isolate", ...readBillableOps() };
    return c.json(body);
  });

  app.get(RELAY_PATHS.opsDeadLetterQueue, operator, async (c) => {
    const { limit } = recordsQuerySchema.parse(c.req.query());
    const records: OperatorQueueRecord[] = await toQueueRecordsObject(c.env).listQueueRecords(limit);
    return c.json({ records });
  });
}
