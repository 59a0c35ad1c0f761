import { z } from "zod";
import { agentDidSchema } from "./did";
import { safeTextSchema, ulidSchema } from "./primitives";
import { prioritySchema } from "./priority";
import { receiptStatusSchema } from "./receipts";
import {
  conversationIdSchema,
  correlationIdSchema,
  deliveryReceiptRequestSchema,
  relayAcceptedResponseSchema,
  traceparentSchema,
} from "./relay-api";

/**
 * Bounds of the batched relay routes (PROTOCOL.md §4.3.1, §4.5.1), checked before anything is
 * stored. A batch body holds each payload as an escaped JSON string, so its byte bound leaves room
 * for one payload at the single route's limit even when escaping doubles it.
 */
export const RELAY_BATCH_LIMITS = {
  maxMessages: 64,
  maxMessageBatchBytes: 1024 * 1024,
  maxReceipts: 100,
  maxReceiptBatchBytes: 128 * 1024,
} as const;

/** One message of `POST /v1/relay/messages/batch`: the headers of §4.3 as fields, the payload as JSON text. */
export const relayBatchMessageSchema = z.object({
  recipientAgentDid: agentDidSchema,
  messageId: ulidSchema,
  correlationId: correlationIdSchema.optional(),
  priority: prioritySchema.optional(),
  conversationId: conversationIdSchema.optional(),
  replyTo: safeTextSchema(200).optional(),
  traceparent: traceparentSchema.optional(),
  /** The payload exactly as signed: a UTF-8 JSON document, stored and delivered as this text. */
  payload: z.string(),
  /** §11.4 message proof over this item (recipient, messageId, the request's timestamp, SHA-256 of `payload`). */
  proof: z.string().min(1).max(200).optional(),
});
export type RelayBatchMessage = z.infer<typeof relayBatchMessageSchema>;

/**
 * The envelope only: each item is checked against `relayBatchMessageSchema` on its own, so one
 * malformed item is refused alone (`400 PROXY_VALIDATION_FAILED` in its result).
 */
export const relayMessageBatchRequestSchema = z.object({
  messages: z.array(z.unknown()).min(1).max(RELAY_BATCH_LIMITS.maxMessages),
});
export type RelayMessageBatchRequest = z.infer<typeof relayMessageBatchRequestSchema>;

/** One item's refusal: what the single route would have answered for it alone. */
const batchRefusalSchema = z.object({
  outcome: z.literal("refused"),
  /** The HTTP status the single route would have answered (a receipt's own `status` is its receipt status). */
  httpStatus: z.number().int().min(400).max(599),
  code: z.string().min(1),
  message: z.string(),
  details: z.unknown().optional(),
  retryAfterSeconds: z.number().int().nonnegative().optional(),
});
export type RelayBatchRefusal = z.infer<typeof batchRefusalSchema>;

export const relayBatchMessageResultSchema = z.discriminatedUnion("outcome", [
  relayAcceptedResponseSchema.extend({ outcome: z.literal("accepted") }),
  /** `messageId` as sent (empty when the item had none it could name). */
  batchRefusalSchema.extend({ messageId: z.string().max(200) }),
]);
export type RelayBatchMessageResult = z.infer<typeof relayBatchMessageResultSchema>;

/** `200`: one result per message, in the order sent. */
export const relayMessageBatchResponseSchema = z.object({ results: z.array(relayBatchMessageResultSchema) });
export type RelayMessageBatchResponse = z.infer<typeof relayMessageBatchResponseSchema>;

export const deliveryReceiptBatchRequestSchema = z.object({
  receipts: z.array(deliveryReceiptRequestSchema).min(1).max(RELAY_BATCH_LIMITS.maxReceipts),
});
export type DeliveryReceiptBatchRequest = z.infer<typeof deliveryReceiptBatchRequestSchema>;

const receiptItemSchema = z.object({
  messageId: ulidSchema,
  senderAgentDid: agentDidSchema,
  status: receiptStatusSchema,
});

export const deliveryReceiptBatchResultSchema = z.discriminatedUnion("outcome", [
  receiptItemSchema.extend({ outcome: z.literal("accepted"), state: z.enum(["accepted", "duplicate"]) }),
  batchRefusalSchema.extend(receiptItemSchema.shape),
]);
export type DeliveryReceiptBatchResult = z.infer<typeof deliveryReceiptBatchResultSchema>;

/** `200`: one result per receipt, in the order sent. */
export const deliveryReceiptBatchResponseSchema = z.object({ results: z.array(deliveryReceiptBatchResultSchema) });
export type DeliveryReceiptBatchResponse = z.infer<typeof deliveryReceiptBatchResponseSchema>;
