import { z } from "zod";
import { agentDidSchema } from "./did";
import { isoTimestampSchema, ulidSchema } from "./primitives";
import { prioritySchema } from "./priority";
import { receiptReasonSchema, receiptStatusSchema } from "./receipts";
import { correlationIdSchema } from "./relay-api";

export const DELIVERY_CONTENT_TYPE = "application/vnd.clawdentity.delivery+json";

export const deliveryWebhookBodySchema = z.object({
  type: z.literal("clawdentity.delivery.v1"),
  requestId: ulidSchema,
  messageId: ulidSchema,
  correlationId: correlationIdSchema,
  fromAgentDid: agentDidSchema,
  toAgentDid: agentDidSchema,
  payload: z.unknown(),
  conversationId: z.string().optional(),
  replyTo: z.string().optional(),
  priority: prioritySchema,
  receivedAt: isoTimestampSchema,
});
export type DeliveryWebhookBody = z.infer<typeof deliveryWebhookBodySchema>;

export const receiptWebhookBodySchema = z.object({
  type: z.literal("clawdentity.receipt.v1"),
  messageId: ulidSchema,
  correlationId: correlationIdSchema,
  toAgentDid: agentDidSchema,
  status: receiptStatusSchema,
  reason: receiptReasonSchema.optional(),
  at: isoTimestampSchema,
});
export type ReceiptWebhookBody = z.infer<typeof receiptWebhookBodySchema>;

/**
 * Codes of `clawdentity.notice.v1` the connector sends; open on the wire (a lower-case token), so a
 * runtime should handle a code it does not know as a generic notice.
 */
export const NOTICE_CODES = {
  /** A self-renewal failed; `retryAt` says when the connector tries again. */
  renewalFailed: "identity_renewal_failed",
  /** The AIT expired: the connector stopped calling the proxy until the owner reissues it. */
  expired: "identity_expired",
  /** The agent or its AIT was revoked: the connector stopped calling the proxy. */
  revoked: "identity_revoked",
} as const;

/** Something the runtime should know about the agent itself (not about one message). */
export const noticeWebhookBodySchema = z.object({
  type: z.literal("clawdentity.notice.v1"),
  noticeId: ulidSchema,
  agentDid: agentDidSchema,
  code: z.string().regex(/^[a-z0-9_:.-]{1,100}$/),
  message: z.string().min(1).max(1_000),
  at: isoTimestampSchema,
  /** The current AIT's expiry. */
  aitExpiresAt: isoTimestampSchema.optional(),
  /** The error code of the refusal that caused the notice (`REGISTRY_*`, `PROXY_AUTH_*`). */
  errorCode: z.string().max(100).optional(),
  /** For `identity_renewal_failed`: the next attempt. */
  retryAt: isoTimestampSchema.optional(),
});
export type NoticeWebhookBody = z.infer<typeof noticeWebhookBodySchema>;

/**
 * A check that the webhook is reachable and takes the connector's credentials and signature
 * (`clawdentity connector doctor`); it is about nothing: a runtime answers it 2xx and does no work.
 */
export const pingWebhookBodySchema = z.object({
  type: z.literal("clawdentity.ping.v1"),
  pingId: ulidSchema,
  agentDid: agentDidSchema,
  at: isoTimestampSchema,
});
export type PingWebhookBody = z.infer<typeof pingWebhookBodySchema>;

export const webhookBodySchema = z.discriminatedUnion("type", [
  deliveryWebhookBodySchema,
  receiptWebhookBodySchema,
  noticeWebhookBodySchema,
  pingWebhookBodySchema,
]);
export type WebhookBody = z.infer<typeof webhookBodySchema>;
