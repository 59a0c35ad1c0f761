import { systemClock } from "@clawdentity/sdk";
import { toMisconfiguredResponse } from "@clawdentity/sdk/http";
import { createProxyApp } from "./app";
import { createRegistryClient, createRegistryFetch, type RegistryClient, toRegistryCallRecorder } from "./auth";
import { countBillable } from "./billing";
import { type ProxyConfig, resolveProxyConfig } from "./config";
import { createMetricsBuffer, type MetricsBuffer } from "./metrics";
import { handleQueueBatch, pollEventFeed, sweepRevocationList } from "./queues";
import { toRelaySession } from "./relay-sessions";

export { FederationOutbox } from "./federation";
export { OpsAggregate } from "./ops";
export { AgentRelaySession } from "./session";

let app: ReturnType<typeof createProxyApp> | undefined;
let metrics: MetricsBuffer | undefined;
let registry: RegistryClient | undefined;

/** One metrics buffer per isolate, shared by HTTP requests and queue consumers. */
function resolveMetrics(config: ProxyConfig): MetricsBuffer {
  metrics ??= createMetricsBuffer({
    clock: systemClock,
    flushIntervalMs: config.relay.metricsFlushIntervalMs,
    shards: config.relay.metricsShards,
  });
  return metrics;
}

/** One registry client per isolate, shared by queue consumers and the cron. */
function resolveRegistry(env: Env, config: ProxyConfig, metrics: MetricsBuffer): RegistryClient {
  registry ??= createRegistryClient({
    config,
    clock: systemClock,
    fetchRegistry: createRegistryFetch(env, config),
    recordCall: toRegistryCallRecorder(metrics),
  });
  return registry;
}

/** Wiring only: config parsed once per isolate, one app per isolate, queue batches to their consumers. */
export default {
  fetch(request, env, ctx) {
    countBillable("workerRequests");
    let config: ProxyConfig;
    try {
      config = resolveProxyConfig(env);
    } catch (error) {
      return toMisconfiguredResponse(error, "PROXY_MISCONFIGURED");
    }
    app ??= createProxyApp({ config, metrics: resolveMetrics(config) });
    return app.fetch(request, env, ctx);
  },
  async queue(batch, env, ctx) {
    countBillable("workerRequests");
    countBillable("queueMessagesConsumed", batch.messages.length);
    const config = resolveProxyConfig(env);
    const metrics = resolveMetrics(config);
    await handleQueueBatch(batch, {
      env,
      config,
      clock: systemClock,
      metrics,
      registry: resolveRegistry(env, config, metrics),
      waitUntil: (promise) => ctx.waitUntil(promise),
      session: (agentDid) => toRelaySession(env, agentDid),
    });
  },
  /**
   * The cron: applies the registry's signed revocation list (the safety net for a lost revocation
   * event) and, with federation on, its signed event feed (revocations for deployments that do not
   * share its queue).
   */
  async scheduled(_controller, env, ctx) {
    countBillable("workerRequests");
    const config = resolveProxyConfig(env);
    const metrics = resolveMetrics(config);
    const registry = resolveRegistry(env, config, metrics);
    try {
      const result = await sweepRevocationList({
        env,
        config,
        clock: systemClock,
        registry,
        session: (agentDid) => toRelaySession(env, agentDid),
      });
      if (result.remaining > 0) console.warn("revocation sweep left entries for its next run", result);
      if (config.federation.signingKey) {
        await pollEventFeed({
          env,
          config,
          clock: systemClock,
          registry,
          session: (agentDid) => toRelaySession(env, agentDid),
        }).catch((error: unknown) => console.warn("event feed poll failed", { error: String(error) }));
      }
    } finally {
      metrics.flushIfDue(env, (promise) => ctx.waitUntil(promise));
    }
  },
} satisfies ExportedHandler<Env>;
