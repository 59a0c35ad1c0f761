import {
  homeAttestationRequestSchema,
  proxyKidSchema,
  REGISTRY_PATHS,
  registerProxyRequestSchema,
} from "@clawdentity/protocol";
import { parseJsonBytes } from "@clawdentity/sdk/http";
import type { Hono } from "hono";
import { readJson } from "../http";
import { attestHome, findProxyRecord, listProxyRecords, registerProxy, revokeProxy } from "../proxies";
import type { RouteDeps } from "./route-deps";

/** Keys may be cached this long by proxies; it is the bound on a proxy revocation (PROTOCOL.md §11.1). */
const PROXY_KEY_MAX_AGE_SECONDS = 60;

/** PROTOCOL.md §11.1 and §11.3: operators manage proxy keys; proxies look keys up and attest homes. */
export function registerProxyRoutes(
  app: Hono,
  { context, ownerAuth, adminOnly, proxyAuth, rateLimit }: RouteDeps,
): void {
  app.post(REGISTRY_PATHS.proxyHome, proxyAuth, async (c) => {
    const { kid, origin, body } = c.get("proxyAuth");
    const request = parseJsonBytes(body, homeAttestationRequestSchema);
    return c.json(await attestHome(context, { proxy: { kid, origin }, request }));
  });

  app.post(REGISTRY_PATHS.proxies, ownerAuth, adminOnly, async (c) => {
    const request = await readJson(c, registerProxyRequestSchema);
    return c.json(await registerProxy(context, { creator: c.get("auth").owner, request }), 201);
  });

  app.get(REGISTRY_PATHS.proxies, ownerAuth, adminOnly, async (c) => c.json(await listProxyRecords(context)));

  app.get(`${REGISTRY_PATHS.proxies}/:kid`, rateLimit("proxies"), async (c) => {
    const body = await findProxyRecord(context, proxyKidSchema.parse(c.req.param("kid")));
    c.header("cache-control", `public, max-age=${PROXY_KEY_MAX_AGE_SECONDS}`);
    return c.json(body);
  });

  app.delete(`${REGISTRY_PATHS.proxies}/:kid`, ownerAuth, adminOnly, async (c) =>
    c.json(await revokeProxy(context, proxyKidSchema.parse(c.req.param("kid")))),
  );
}
