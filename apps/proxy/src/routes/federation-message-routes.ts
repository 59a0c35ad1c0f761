import {
  FEDERATION_MAX_BATCH_BYTES,
  FEDERATION_PATHS,
  type FederationMessageResults,
  federationMessageBatchSchema,
} from "@clawdentity/protocol";
import { AppError, parseJsonBytes, readVerifiedProxyRequest } from "@clawdentity/sdk/http";
import type { Hono } from "hono";
import type { ProxyEnv } from "../app-env";
import type { RegistryClient } from "../auth";
import { type Clock, toNowSeconds } from "../clock";
import type { ProxyConfig } from "../config";
import { takeForwardedMessage } from "../federation";

/**
 * PROTOCOL.md §11.4 `POST /v1/federation/messages`: a batch another registered proxy signed for this
 * one; each message is verified end to end and answered on its own, in request order.
 */
export function registerFederationMessageRoutes(
  app: Hono<ProxyEnv>,
  deps: { config: ProxyConfig; clock: Clock; registry: (env: Env) => RegistryClient },
): void {
  const { config, clock } = deps;
  app.post(FEDERATION_PATHS.messages, async (c) => {
    if (!config.federation.signingKey) {
      throw new AppError("PROXY_NOT_FOUND", 404, "federation is not configured on this proxy");
    }
    const registry = deps.registry(c.env);
    const { body } = await readVerifiedProxyRequest(c, {
      audience: config.federation.origin,
      nowSeconds: () => toNowSeconds(clock),
      resolveProxy: registry.proxyKeys,
      body: { maxBytes: FEDERATION_MAX_BATCH_BYTES, tooLargeCode: "PROXY_PAYLOAD_TOO_LARGE" },
    });
    const batch = parseJsonBytes(body, federationMessageBatchSchema);
    const results = [];
    for (const message of batch.messages) {
      results.push(await takeForwardedMessage({ env: c.env, config, clock, registry }, message));
    }
    const answer: FederationMessageResults = { results };
    return c.json(answer);
  });
}
