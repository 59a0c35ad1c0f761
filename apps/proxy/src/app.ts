import { type Clock, systemClock } from "@clawdentity/sdk";
import { createErrorHandler, createNotFoundHandler, createRequestIdMiddleware } from "@clawdentity/sdk/http";
import { Hono } from "hono";
import type { ProxyEnv } from "./app-env";
import {
  createAuthMiddleware,
  createRegistryClient,
  createRegistryFetch,
  type RegistryClient,
  toRegistryCallRecorder,
} from "./auth";
import type { ProxyConfig } from "./config";
import { createProxySigner } from "./federation";
import { createAuthFailureMetrics, createMetricsBuffer, type MetricsBuffer } from "./metrics";
import {
  createPairingTickets,
  PAIRING_MAX_BODY_BYTES,
  type PairingTickets,
  registerFederationPairingRoutes,
  registerPairingRoutes,
  registerTrustRoutes,
} from "./pairing";
import {
  registerDeadLetterRoutes,
  registerDeliveryReceiptRoutes,
  registerFederationMessageRoutes,
  registerHealthRoutes,
  registerMessageStatusRoutes,
  registerOperatorRoutes,
  registerRelayBatchRoutes,
  registerRelayConnectRoutes,
  registerRelayMessageRoutes,
  registerRelayMetricsRoutes,
} from "./routes";

export interface ProxyAppOptions {
  config: ProxyConfig;
  clock?: Clock;
  /** Registry keys and CRL; by default built on first use from the env's service binding or `REGISTRY_URL`. */
  registry?: RegistryClient;
  /** The isolate's metric counters (shared with the queue consumers); one per app by default. */
  metrics?: MetricsBuffer;
}

/** Builds the proxy's HTTP app. Caches (registry keys, CRL, ticket key) live as long as the app. */
export function createProxyApp(options: ProxyAppOptions): Hono<ProxyEnv> {
  const { config, clock = systemClock } = options;
  const metrics =
    options.metrics ??
    createMetricsBuffer({
      clock,
      flushIntervalMs: config.relay.metricsFlushIntervalMs,
      shards: config.relay.metricsShards,
    });
  let registryClient = options.registry;
  const registry = (env: Env): RegistryClient => {
    registryClient ??= createRegistryClient({
      config,
      clock,
      fetchRegistry: createRegistryFetch(env, config),
      recordCall: toRegistryCallRecorder(metrics),
    });
    return registryClient;
  };
  const signer = createProxySigner(config.federation, clock);
  let pairingTickets: Promise<PairingTickets> | undefined;
  const tickets = () => {
    pairingTickets ??= (signer ? signer.kid() : Promise.resolve(null)).then((proxyKid) =>
      createPairingTickets(config.pairingTicketSecret, { origin: config.federation.origin, proxyKid }),
    );
    return pairingTickets;
  };
  const auth = createAuthMiddleware({ config, clock, registry, maxBodyBytes: PAIRING_MAX_BODY_BYTES });

  const app = new Hono<ProxyEnv>();
  app.use(createRequestIdMiddleware());
  app.use(createAuthFailureMetrics(metrics));
  app.onError(
    createErrorHandler({
      codes: {
        badRequest: "PROXY_BAD_REQUEST",
        validation: "PROXY_VALIDATION_FAILED",
        payloadTooLarge: "PROXY_PAYLOAD_TOO_LARGE",
        notFound: "PROXY_NOT_FOUND",
        internal: "PROXY_INTERNAL",
        authPrefix: "PROXY_AUTH_",
        proxyAuthPrefix: "PROXY_FEDERATION_",
      },
    }),
  );
  app.notFound(createNotFoundHandler("PROXY_NOT_FOUND"));

  registerHealthRoutes(app, { config });
  registerRelayMessageRoutes(app, { config, clock, registry });
  registerRelayBatchRoutes(app, { config, clock, registry });
  registerRelayConnectRoutes(app, { auth, config, registry, signer });
  registerRelayMetricsRoutes(app, { auth, config });
  registerDeliveryReceiptRoutes(app, { auth, config, clock, registry });
  registerMessageStatusRoutes(app, { auth, config, registry, signer });
  registerDeadLetterRoutes(app, { auth, clock });
  registerPairingRoutes(app, { config, clock, auth, tickets, registry, signer });
  registerTrustRoutes(app, { auth, signer });
  registerOperatorRoutes(app, { config });
  registerFederationMessageRoutes(app, { config, clock, registry });
  registerFederationPairingRoutes(app, { config, clock, registry, tickets });
  return app;
}
