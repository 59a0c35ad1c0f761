import { type CrlResponse, REGISTRY_KEYS_PATH, REGISTRY_PATHS } from "@clawdentity/protocol";
import type { Hono } from "hono";
import { createSignedCrl } from "../signing";
import type { RouteDeps } from "./route-deps";

/** The public verification material: signing keys and the signed revocation list. */
export function registerKeyRoutes(app: Hono, { context, rateLimit }: RouteDeps): void {
  app.get(REGISTRY_KEYS_PATH, async (c) => {
    c.header("cache-control", `public, max-age=${context.config.keysCacheMaxAgeSeconds}`);
    return c.json(await context.signer.toKeysDocument());
  });

  app.get(REGISTRY_PATHS.crl, rateLimit("crl"), async (c) => {
    const body: CrlResponse = { crl: await createSignedCrl(context) };
    c.header("cache-control", `public, max-age=${context.config.crl.cacheMaxAgeSeconds}`);
    return c.json(body);
  });
}
