import { z } from "zod";
import { agentDidSchema } from "./did";
import { isoTimestampSchema, ulidSchema } from "./primitives";
import { prioritySchema } from "./priority";
import { receiptReasonSchema, receiptStatusSchema } from "./receipts";
import { conversationIdSchema, correlationIdSchema } from "./relay-api";

export const CONNECTOR_PATHS = {
  outbound: "/v1/outbound",
  status: "/v1/status",
  metrics: "/metrics",
  deadLetters: "/v1/dead-letters",
} as const;

export const outboundRequestSchema = z.object({
  toAgentDid: agentDidSchema,
  payload: z.unknown().refine((value) => value !== undefined, "payload is required"),
  conversationId: conversationIdSchema.optional(),
  replyTo: z.string().min(1).max(200).optional(),
  priority: prioritySchema.optional(),
  correlationId: correlationIdSchema.optional(),
});
export type OutboundRequest = z.infer<typeof outboundRequestSchema>;

export const idempotencyKeySchema = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[\x21-\x7e]+$/);

export const outboundAcceptedResponseSchema = z.object({
  messageId: ulidSchema,
  correlationId: correlationIdSchema,
  status: z.literal("queued"),
});
export type OutboundAcceptedResponse = z.infer<typeof outboundAcceptedResponseSchema>;

export const OUTBOUND_STATES = ["queued", "relayed", "delivered_to_webhook", "dead_lettered"] as const;
export const outboundStateSchema = z.enum(OUTBOUND_STATES);
export type OutboundState = z.infer<typeof outboundStateSchema>;

export const outboundStatusResponseSchema = z.object({
  messageId: ulidSchema,
  correlationId: correlationIdSchema,
  toAgentDid: agentDidSchema,
  priority: prioritySchema,
  status: outboundStateSchema,
  attempts: z.number().int().nonnegative(),
  createdAt: isoTimestampSchema,
  relayedAt: isoTimestampSchema.optional(),
  lastError: z.string().optional(),
  receipts: z.array(
    z.object({ status: receiptStatusSchema, reason: receiptReasonSchema.optional(), at: isoTimestampSchema }),
  ),
});
export type OutboundStatusResponse = z.infer<typeof outboundStatusResponseSchema>;

export const CIRCUIT_STATES = ["closed", "open", "half_open"] as const;
export type CircuitState = (typeof CIRCUIT_STATES)[number];
