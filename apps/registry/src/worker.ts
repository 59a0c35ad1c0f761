import { systemClock } from "@clawdentity/sdk";
import { toMisconfiguredResponse } from "@clawdentity/sdk/http";
import { createRegistryApp, createRegistryContext, type RegistryAppDeps } from "./app";
import { parseRegistryConfig, type RegistryConfig } from "./config";
import { handleScheduled } from "./scheduled";

export { RateLimiter } from "./rate-limit";

let cachedConfig: { env: Env; config: RegistryConfig } | undefined;

/** Config is parsed once per isolate (and again only if the runtime hands over a different env). */
function toDeps(env: Env): RegistryAppDeps {
  if (cachedConfig?.env !== env) cachedConfig = { env, config: parseRegistryConfig(env) };
  return {
    config: cachedConfig.config,
    clock: systemClock,
    db: env.DB,
    events: env.EVENTS,
    rateLimiter: env.RATE_LIMITER,
  };
}

let cachedApp: { env: Env; app: ReturnType<typeof createRegistryApp> } | undefined;

export default {
  fetch(request, env, ctx) {
    if (cachedApp?.env !== env) {
      let deps: RegistryAppDeps;
      try {
        deps = toDeps(env);
      } catch (error) {
        return toMisconfiguredResponse(error, "REGISTRY_MISCONFIGURED");
      }
      cachedApp = { env, app: createRegistryApp(deps) };
    }
    return cachedApp.app.fetch(request, env, ctx);
  },
  scheduled(_controller, env, ctx) {
    ctx.waitUntil(handleScheduled(createRegistryContext(toDeps(env))));
  },
} satisfies ExportedHandler<Env>;
