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

export const webhookBodySchema = z.discriminatedUnion("type", [deliveryWebhookBodySchema, receiptWebhookBodySchema]);
export type WebhookBody = z.infer<typeof webhookBodySchema>;
