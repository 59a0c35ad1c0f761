import {
  FEDERATION_MAX_BATCH_BYTES,
  FEDERATION_PATHS,
  type FederationMessageResults,
  type FederationReceiptResults,
  federationMessageBatchSchema,
  federationReceiptBatchSchema,
} from "@clawdentity/protocol";
import type { Hono } from "hono";
import type { ProxyEnv } from "../app-env";
import {
  type FederationRouteDeps,
  readFederationRequest,
  takeForwardedMessage,
  takeForwardedReceipt,
} from "../federation";

/**
 * PROTOCOL.md §11.4 `POST /v1/federation/messages` and §11.6 `POST /v1/federation/receipts`:
 * batches another registered proxy signed for this one; each item is checked and answered on its
 * own, in request order.
 */
export function registerFederationMessageRoutes(app: Hono<ProxyEnv>, deps: FederationRouteDeps): void {
  const { config, clock } = deps;
  app.post(FEDERATION_PATHS.messages, async (c) => {
    const { body: batch } = await readFederationRequest(c, deps, {
      schema: federationMessageBatchSchema,
      maxBytes: FEDERATION_MAX_BATCH_BYTES,
    });
    const registry = deps.registry(c.env);
    const results = [];
    for (const message of batch.messages) {
      results.push(await takeForwardedMessage({ env: c.env, config, clock, registry }, message));
    }
    const answer: FederationMessageResults = { results };
    return c.json(answer);
  });

  app.post(FEDERATION_PATHS.receipts, async (c) => {
    const { origin, body: batch } = await readFederationRequest(c, deps, {
      schema: federationReceiptBatchSchema,
      maxBytes: FEDERATION_MAX_BATCH_BYTES,
    });
    const results = [];
    for (const receipt of batch.receipts) results.push(await takeForwardedReceipt(c.env, origin, receipt));
    const answer: FederationReceiptResults = { results };
    return c.json(answer);
  });
}
