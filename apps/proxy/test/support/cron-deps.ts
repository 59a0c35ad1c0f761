import { env } from "cloudflare:workers";
import { createRegistryClient, createRegistryFetch } from "../../src/auth";
import { parseProxyConfig } from "../../src/config";
import type { CronJobDeps } from "../../src/queues/revocation-sweep";
import type { TestProxy } from "./test-proxy";

/** What the Worker's cron hands its registry jobs, on the test env and the proxy's clock. */
export function toCronDeps(proxy: TestProxy): CronJobDeps {
  const config = parseProxyConfig(env);
  return {
    env,
    config,
    clock: proxy.clock,
    registry: createRegistryClient({ config, clock: proxy.clock, fetchRegistry: createRegistryFetch(env, config) }),
    session: proxy.session,
  };
}
