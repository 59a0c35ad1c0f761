import { type Clock, toNowSeconds } from "@clawdentity/sdk";
import { AppError, parseJsonBytes, readVerifiedProxyRequest } from "@clawdentity/sdk/http";
import type { Context } from "hono";
import type { z } from "zod";
import type { ProxyEnv } from "../app-env";
import type { RegistryClient } from "../auth";
import type { ProxyConfig } from "../config";

export type FederationRouteDeps = { config: ProxyConfig; clock: Clock; registry: (env: Env) => RegistryClient };

/**
 * A request another registered proxy signed for this one (PROTOCOL.md §11.2), its body read within
 * `maxBytes` and parsed; 404 with federation off. Answers the signing proxy's origin and the body.
 */
export async function readFederationRequest<T extends z.ZodType>(
  c: Context<ProxyEnv>,
  deps: FederationRouteDeps,
  input: { schema: T; maxBytes: number },
): Promise<{ origin: string; body: z.infer<T> }> {
  const { config, clock } = deps;
  if (!config.federation.signingKey) {
    throw new AppError("PROXY_NOT_FOUND", 404, "federation is not configured on this proxy");
  }
  const { origin, body } = await readVerifiedProxyRequest(c, {
    audience: config.federation.origin,
    nowSeconds: () => toNowSeconds(clock),
    resolveProxy: deps.registry(c.env).proxyKeys,
    body: { maxBytes: input.maxBytes, tooLargeCode: "PROXY_PAYLOAD_TOO_LARGE" },
  });
  return { origin, body: parseJsonBytes(body, input.schema) };
}
