import { z } from "zod";
import { agentDidSchema } from "./did";
import { isoTimestampSchema, safeTextSchema, ulidSchema } from "./primitives";
import { receiptReasonSchema, receiptStatusSchema } from "./receipts";

export const QUEUE_NAMES = {
  events: "clawdentity-events",
  eventsDlq: "clawdentity-events-dlq",
  receipts: "clawdentity-receipts",
  receiptsDlq: "clawdentity-receipts-dlq",
} as const;

/**
 * A dead-letter queue is named with `-dlq` as a whole segment (`clawdentity-events-dlq`,
 * `clawdentity-receipts-dlq-dev`). Its messages are the envelopes of the queue they ran out of
 * retries on, so the name is all that tells a batch from it apart; `pnpm deploy-check` holds every
 * environment's queues to this rule.
 */
export function isDeadLetterQueueName(queue: string): boolean {
  return /-dlq(-|$)/.test(queue);
}

export const EVENT_TYPES = { agentAuthRevoked: "agent.auth.revoked", deliveryReceipt: "delivery_receipt" } as const;

const envelopeBase = {
  id: ulidSchema,
  version: z.literal("v1"),
  timestampUtc: isoTimestampSchema,
  initiatedByAccountId: z.string().min(1).max(200).nullable(),
};

export const agentAuthRevokedDataSchema = z.object({
  agentDid: agentDidSchema,
  jti: ulidSchema,
  reason: safeTextSchema(100),
});
export type AgentAuthRevokedData = z.infer<typeof agentAuthRevokedDataSchema>;

export const deliveryReceiptDataSchema = z.object({
  messageId: ulidSchema,
  correlationId: z.string().min(1).max(200),
  senderAgentDid: agentDidSchema,
  recipientAgentDid: agentDidSchema,
  status: receiptStatusSchema,
  reason: receiptReasonSchema.optional(),
  at: isoTimestampSchema,
});
export type DeliveryReceiptData = z.infer<typeof deliveryReceiptDataSchema>;

export const agentAuthRevokedEventSchema = z.object({
  ...envelopeBase,
  type: z.literal(EVENT_TYPES.agentAuthRevoked),
  data: agentAuthRevokedDataSchema,
});
export const deliveryReceiptEventSchema = z.object({
  ...envelopeBase,
  type: z.literal(EVENT_TYPES.deliveryReceipt),
  data: deliveryReceiptDataSchema,
});

/** Any envelope, with unparsed data: consumers use it to record what they cannot handle. */
export const eventEnvelopeSchema = z.object({ ...envelopeBase, type: z.string().min(1), data: z.unknown() });

export const queueEventSchema = z.discriminatedUnion("type", [agentAuthRevokedEventSchema, deliveryReceiptEventSchema]);

export type AgentAuthRevokedEvent = z.infer<typeof agentAuthRevokedEventSchema>;
export type DeliveryReceiptEvent = z.infer<typeof deliveryReceiptEventSchema>;
export type EventEnvelope = z.infer<typeof eventEnvelopeSchema>;
export type QueueEvent = z.infer<typeof queueEventSchema>;
