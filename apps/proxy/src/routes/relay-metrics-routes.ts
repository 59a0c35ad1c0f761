import { RELAY_PATHS, type RelayLatencyResponse, type RelayMetricsResponse } from "@clawdentity/protocol";
import { createHistogramState, mergeHistogram, toLatencyPercentiles } from "@clawdentity/sdk";
import type { Hono, MiddlewareHandler } from "hono";
import type { ProxyEnv } from "../app-env";
import type { ProxyConfig } from "../config";
import { METRICS, readMetricTotals, toHistograms } from "../metrics";
import { toRelaySession } from "../relay-sessions";

/** The relay's hop latency over every session and priority, from the aggregate's histogram. */
async function readRelayLatency(env: Env, shards: number): Promise<RelayLatencyResponse> {
  const histograms = toHistograms(await readMetricTotals(env, shards));
  const total = createHistogramState();
  for (const { state } of histograms.get(METRICS.relayDeliveryLatency.name)?.values() ?? []) {
    mergeHistogram(total, state);
  }
  return { relayDelivery: toLatencyPercentiles(total) };
}

/** The calling agent's own relay figures, and the relay's current hop latency for `clawdentity trace`. */
export function registerRelayMetricsRoutes(
  app: Hono<ProxyEnv>,
  deps: { auth: MiddlewareHandler<ProxyEnv>; config: ProxyConfig },
): void {
  app.get(RELAY_PATHS.relayMetrics, deps.auth, async (c) => {
    const metrics: RelayMetricsResponse = await toRelaySession(c.env, c.get("agent").did).getMetrics();
    return c.json(metrics);
  });
  app.get(RELAY_PATHS.relayLatency, deps.auth, async (c) =>
    c.json(await readRelayLatency(c.env, deps.config.relay.metricsShards)),
  );
}
