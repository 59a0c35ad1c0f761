import { toNowSeconds } from "@clawdentity/sdk";
import { readVerifiedProxyRequest } from "@clawdentity/sdk/http";
import type { MiddlewareHandler } from "hono";
import type { RegistryContext } from "../context";
import { findProxy } from "../db";
import { REGISTRY_MAX_BODY_BYTES } from "../http";

/** A request a registered, active proxy signed for this registry, with the raw body it covered. */
export interface AuthenticatedProxy {
  kid: string;
  origin: string;
  body: Uint8Array;
}

declare module "hono" {
  interface ContextVariableMap {
    proxyAuth: AuthenticatedProxy;
  }
}

/**
 * PROTOCOL.md §11.2 on the registry's proxy routes: the audience is this registry's issuer URL and
 * the key is read from its own table, so a revocation takes effect at once. Failures are
 * `REGISTRY_PROXY_AUTH_<reason>`.
 */
export function createProxyAuthMiddleware(context: RegistryContext): MiddlewareHandler {
  const { db, clock, config } = context;
  return async function proxyAuth(c, next) {
    const verified = await readVerifiedProxyRequest(c, {
      audience: config.issuerUrl,
      nowSeconds: () => toNowSeconds(clock),
      resolveProxy: async (kid) => {
        const row = await findProxy(db, kid);
        return row ? { origin: row.origin, publicKey: row.public_key, status: row.status } : null;
      },
      body: { maxBytes: REGISTRY_MAX_BODY_BYTES, tooLargeCode: "REGISTRY_PAYLOAD_TOO_LARGE" },
    });
    c.set("proxyAuth", verified);
    await next();
  };
}
