import {
  FEDERATION_MAX_BATCH_BYTES,
  FEDERATION_PATHS,
  type FederationMessageResults,
  type FederationReceiptResults,
  federationMessageBatchSchema,
  federationReceiptBatchSchema,
} from "@clawdentity/protocol";
import { AppError, parseJsonBytes, readVerifiedProxyRequest } from "@clawdentity/sdk/http";
import type { Context, Hono } from "hono";
import type { z } from "zod";
import type { ProxyEnv } from "../app-env";
import type { RegistryClient } from "../auth";
import { type Clock, toNowSeconds } from "../clock";
import type { ProxyConfig } from "../config";
import { takeForwardedMessage, takeForwardedReceipt } from "../federation";

type FederationDeps = { config: ProxyConfig; clock: Clock; registry: (env: Env) => RegistryClient };

/** A batch another registered proxy signed for this one (PROTOCOL.md §11.2), parsed; 404 with federation off. */
async function readFederationBatch<T extends z.ZodType>(c: Context<ProxyEnv>, deps: FederationDeps, schema: T) {
  const { config, clock } = deps;
  if (!config.federation.signingKey) {
    throw new AppError("PROXY_NOT_FOUND", 404, "federation is not configured on this proxy");
  }
  const { origin, body } = await readVerifiedProxyRequest(c, {
    audience: config.federation.origin,
    nowSeconds: () => toNowSeconds(clock),
    resolveProxy: deps.registry(c.env).proxyKeys,
    body: { maxBytes: FEDERATION_MAX_BATCH_BYTES, tooLargeCode: "PROXY_PAYLOAD_TOO_LARGE" },
  });
  return { origin, batch: parseJsonBytes(body, schema) };
}

/**
 * PROTOCOL.md §11.4 `POST /v1/federation/messages` and §11.6 `POST /v1/federation/receipts`:
 * batches another registered proxy signed for this one; each item is checked and answered on its
 * own, in request order.
 */
export function registerFederationMessageRoutes(app: Hono<ProxyEnv>, deps: FederationDeps): void {
  const { config, clock } = deps;
  app.post(FEDERATION_PATHS.messages, async (c) => {
    const { batch } = await readFederationBatch(c, deps, federationMessageBatchSchema);
    const registry = deps.registry(c.env);
    const results = [];
    for (const message of batch.messages) {
      results.push(await takeForwardedMessage({ env: c.env, config, clock, registry }, message));
    }
    const answer: FederationMessageResults = { results };
    return c.json(answer);
  });

  app.post(FEDERATION_PATHS.receipts, async (c) => {
    const { origin, batch } = await readFederationBatch(c, deps, federationReceiptBatchSchema);
    const results = [];
    for (const receipt of batch.receipts) results.push(await takeForwardedReceipt(c.env, origin, receipt));
    const answer: FederationReceiptResults = { results };
    return c.json(answer);
  });
}
