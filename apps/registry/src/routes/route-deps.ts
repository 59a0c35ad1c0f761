import type { MiddlewareHandler } from "hono";
import type { RateLimitBucket } from "../config";
import type { RegistryContext } from "../context";

/** What every `register*Routes` receives: the domain context and the app's middleware. */
export interface RouteDeps {
  context: RegistryContext;
  ownerAuth: MiddlewareHandler;
  /** A request the agent itself signed (PROTOCOL.md §2). */
  agentAuth: MiddlewareHandler;
  adminOnly: MiddlewareHandler;
  /** A request a registered proxy signed for this registry (PROTOCOL.md §11.2). */
  proxyAuth: MiddlewareHandler;
  rateLimit(bucket: RateLimitBucket): MiddlewareHandler;
}
