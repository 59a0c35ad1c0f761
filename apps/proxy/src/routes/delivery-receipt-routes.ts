import {
  CLAW_HEADERS,
  type DeliveryReceiptAcceptedResponse,
  type DeliveryReceiptBatchResponse,
  type DeliveryReceiptBatchResult,
  deliveryReceiptBatchRequestSchema,
  deliveryReceiptRequestSchema,
  RELAY_BATCH_LIMITS,
  RELAY_PATHS,
} from "@clawdentity/protocol";
import type { Clock } from "@clawdentity/sdk";
import { AppError, parseJsonBytes } from "@clawdentity/sdk/http";
import type { Hono, MiddlewareHandler } from "hono";
import type { ProxyEnv } from "../app-env";
import { type AuthMiddlewareOptions, createAuthMiddleware } from "../auth";
import type { ProxyConfig } from "../config";
import { toRelaySession } from "../relay-sessions";
import type { SubmitReceiptResult } from "../session";
import { toBatchRefusal } from "./relay-batch-routes";

function toReceiptError(result: Extract<SubmitReceiptResult, { ok: false }>): AppError {
  if (result.refusal === "forbidden") {
    return new AppError("PROXY_RECEIPT_FORBIDDEN", 403, "that sender has never relayed messages to this agent");
  }
  return new AppError(
    "PROXY_RECEIPT_NOT_DELIVERED",
    404,
    "this proxy holds no delivery of that message from that sender to this agent",
  );
}

/**
 * PROTOCOL.md §4.5: the recipient's connector reports what its runtime did with a message. The caller's
 * own session must have delivered that message from that sender to it; the receipt is then
 * stored there and published to `clawdentity-receipts` for the sender. §4.5.1: many receipts in
 * one request, stored in one transaction and published in one queue batch, each with its own outcome.
 */
export function registerDeliveryReceiptRoutes(
  app: Hono<ProxyEnv>,
  deps: {
    auth: MiddlewareHandler<ProxyEnv>;
    config: ProxyConfig;
    clock: Clock;
    registry: AuthMiddlewareOptions["registry"];
  },
): void {
  app.post(RELAY_PATHS.deliveryReceipts, deps.auth, async (c) => {
    const body = parseJsonBytes(c.get("rawBody"), deliveryReceiptRequestSchema);
    const [result] = await toRelaySession(c.env, c.get("agent").did).submitReceipts([body]);
    if (!result) throw new Error("no outcome for the receipt");
    if (!result.ok) throw toReceiptError(result);
    const answer: DeliveryReceiptAcceptedResponse = {
      messageId: body.messageId,
      status: body.status,
      state: result.state,
    };
    c.header(CLAW_HEADERS.correlationId, result.correlationId);
    return c.json(answer, 202);
  });

  const batchAuth = createAuthMiddleware({
    config: deps.config,
    clock: deps.clock,
    registry: deps.registry,
    maxBodyBytes: RELAY_BATCH_LIMITS.maxReceiptBatchBytes,
  });
  app.post(RELAY_PATHS.deliveryReceiptsBatch, batchAuth, async (c) => {
    const { receipts } = parseJsonBytes(c.get("rawBody"), deliveryReceiptBatchRequestSchema);
    const submitted = await toRelaySession(c.env, c.get("agent").did).submitReceipts(receipts);
    const results = receipts.map((receipt, index): DeliveryReceiptBatchResult => {
      const item = { messageId: receipt.messageId, senderAgentDid: receipt.senderAgentDid, status: receipt.status };
      const result = submitted[index];
      if (!result) throw new Error("no outcome for a receipt");
      return result.ok
        ? { ...item, outcome: "accepted", state: result.state }
        : { ...toBatchRefusal(toReceiptError(result)), ...item };
    });
    const answer: DeliveryReceiptBatchResponse = { results };
    return c.json(answer, 200);
  });
}
