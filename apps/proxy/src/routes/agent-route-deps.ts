import type { MiddlewareHandler } from "hono";
import type { ProxyEnv } from "../app-env";
import type { RegistryClient } from "../auth";
import type { ProxyConfig } from "../config";
import type { ProxySigner } from "../federation";

/** What an agent's signed route needs when it may reach the registry or another proxy. */
export interface FederatedAgentRouteDeps {
  auth: MiddlewareHandler<ProxyEnv>;
  config: ProxyConfig;
  registry: (env: Env) => RegistryClient;
  /** This proxy's key; null when federation is off. */
  signer: ProxySigner | null;
}
