import {
  CLAW_HEADERS,
  CONNECTOR_PATHS,
  idempotencyKeySchema,
  outboundRequestSchema,
  RELAY_MAX_PAYLOAD_BYTES,
  ulidSchema,
} from "@clawdentity/protocol";
import { AppError } from "@clawdentity/sdk/http";
import type { Hono } from "hono";
import type { OutboundService } from "../outbox";
import { readPayloadBody } from "./json-body";

/** Room for the envelope fields around a maximal payload. */
const MAX_BODY_BYTES = RELAY_MAX_PAYLOAD_BYTES + 16 * 1024;
const TRACEPARENT_PATTERN = /^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;

export function registerOutboundRoutes(app: Hono, deps: { outbound: OutboundService }): void {
  app.post(CONNECTOR_PATHS.outbound, async (c) => {
    const request = await readPayloadBody(c, outboundRequestSchema, { maxBytes: MAX_BODY_BYTES });
    const rawKey = c.req.header(CLAW_HEADERS.idempotencyKey);
    const idempotencyKey = rawKey === undefined ? undefined : idempotencyKeySchema.parse(rawKey);
    // W3C trace context: a malformed traceparent is ignored, never forwarded.
    const traceparent = c.req.header(CLAW_HEADERS.traceparent)?.trim().toLowerCase();
    const result = await deps.outbound.submit({
      request,
      ...(idempotencyKey ? { idempotencyKey } : {}),
      ...(traceparent && TRACEPARENT_PATTERN.test(traceparent) ? { traceparent } : {}),
    });
    return c.json({ messageId: result.messageId, correlationId: result.correlationId, status: "queued" as const }, 202);
  });

  app.get(`${CONNECTOR_PATHS.outbound}/:messageId`, (c) => {
    const messageId = ulidSchema.parse(c.req.param("messageId"));
    const status = deps.outbound.getStatus(messageId);
    if (!status) throw new AppError("CONNECTOR_MESSAGE_NOT_FOUND", 404, `no outbound message ${messageId}`);
    return c.json(status);
  });
}
