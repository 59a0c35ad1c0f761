import type { Clock } from "@clawdentity/sdk";
import { createErrorHandler, createNotFoundHandler, createRequestIdMiddleware } from "@clawdentity/sdk/http";
import { Hono } from "hono";
import {
  createAdminOnlyMiddleware,
  createAgentAuthMiddleware,
  createOwnerAuthMiddleware,
  createProxyAuthMiddleware,
} from "./auth";
import type { RegistryConfig } from "./config";
import type { RegistryContext } from "./context";
import { REGISTRY_ERROR_CODE_SET } from "./http";
import { createEventPublisher, type EventProducer } from "./outbox";
import { createRateLimitMiddleware, type RateLimiterNamespace } from "./rate-limit";
import {
  type RouteDeps,
  registerAgentRoutes,
  registerBootstrapRoutes,
  registerEventRoutes,
  registerHealthRoutes,
  registerInviteRoutes,
  registerKeyRoutes,
  registerMeRoutes,
  registerProxyRoutes,
  registerRenewalRoutes,
  registerResolveRoutes,
} from "./routes";
import { createRegistrySigner, type RegistrySigner } from "./signing";

export interface RegistryAppDeps {
  config: RegistryConfig;
  clock: Clock;
  db: D1Database;
  /** The `clawdentity-events` producer. */
  events: EventProducer;
  rateLimiter: RateLimiterNamespace;
  /** Defaults to one built from `config.signingKey`. */
  signer?: RegistrySigner;
}

/** The domain context shared by the HTTP app and the cron sweep. */
export function createRegistryContext(deps: RegistryAppDeps): RegistryContext {
  const { config, clock, db, events } = deps;
  return {
    config,
    clock,
    db,
    signer: deps.signer ?? createRegistrySigner(config),
    publisher: createEventPublisher({ db, events, clock, retry: config.outbox }),
  };
}

export function createRegistryApp(deps: RegistryAppDeps): Hono {
  const context = createRegistryContext(deps);
  const routeDeps: RouteDeps = {
    context,
    ownerAuth: createOwnerAuthMiddleware(context),
    agentAuth: createAgentAuthMiddleware(context),
    adminOnly: createAdminOnlyMiddleware(),
    proxyAuth: createProxyAuthMiddleware(context),
    rateLimit: (bucket) =>
      createRateLimitMiddleware({
        namespace: deps.rateLimiter,
        bucket,
        rule: deps.config.rateLimits[bucket],
        clock: deps.clock,
        serviceToken: deps.config.serviceToken,
      }),
  };

  const app = new Hono();
  app.use(createRequestIdMiddleware());
  app.onError(createErrorHandler({ codes: REGISTRY_ERROR_CODE_SET }));
  app.notFound(createNotFoundHandler("REGISTRY_NOT_FOUND"));
  registerHealthRoutes(app, routeDeps);
  registerKeyRoutes(app, routeDeps);
  registerResolveRoutes(app, routeDeps);
  registerBootstrapRoutes(app, routeDeps);
  registerMeRoutes(app, routeDeps);
  registerInviteRoutes(app, routeDeps);
  registerAgentRoutes(app, routeDeps);
  registerRenewalRoutes(app, routeDeps);
  registerProxyRoutes(app, routeDeps);
  registerEventRoutes(app, routeDeps);
  return app;
}
