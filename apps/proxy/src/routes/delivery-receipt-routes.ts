import {
  CLAW_HEADERS,
  type DeliveryReceiptAcceptedResponse,
  deliveryReceiptRequestSchema,
  RELAY_PATHS,
} from "@clawdentity/protocol";
import { AppError, parseJsonBytes } from "@clawdentity/sdk/http";
import type { Hono, MiddlewareHandler } from "hono";
import type { ProxyEnv } from "../app-env";
import { toRelaySession } from "../relay-sessions";

/**
 * PROTOCOL.md §4.5: the recipient's connector reports what its runtime did with a message. The caller's
 * own session must have delivered that message from that sender to it; the receipt is then
 * stored there and published to `clawdentity-receipts` for the sender.
 */
export function registerDeliveryReceiptRoutes(app: Hono<ProxyEnv>, deps: { auth: MiddlewareHandler<ProxyEnv> }): void {
  app.post(RELAY_PATHS.deliveryReceipts, deps.auth, async (c) => {
    const body = parseJsonBytes(c.get("rawBody"), deliveryReceiptRequestSchema);
    const result = await toRelaySession(c.env, c.get("agent").did).submitReceipt(body);
    if (!result.ok) {
      if (result.refusal === "forbidden") {
        throw new AppError("PROXY_RECEIPT_FORBIDDEN", 403, "that sender has never relayed messages to this agent");
      }
      throw new AppError(
        "PROXY_RECEIPT_NOT_DELIVERED",
        404,
        "this proxy holds no delivery of that message from that sender to this agent",
      );
    }
    const answer: DeliveryReceiptAcceptedResponse = {
      messageId: body.messageId,
      status: body.status,
      state: result.state,
    };
    c.header(CLAW_HEADERS.correlationId, result.correlationId);
    return c.json(answer, 202);
  });
}
