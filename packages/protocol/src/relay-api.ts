import { z } from "zod";
import { agentDidSchema } from "./did";
import { isoTimestampSchema, ulidSchema } from "./primitives";
import { prioritySchema } from "./priority";
import { receiptReasonSchema, receiptStatusSchema } from "./receipts";

export const RELAY_PATHS = {
  health: "/health",
  messages: "/v1/relay/messages",
  connect: "/v1/relay/connect",
  deliveryReceipts: "/v1/relay/delivery-receipts",
  deadLetters: "/v1/relay/dead-letters",
  relayMetrics: "/v1/relay/metrics",
  pairingTickets: "/v1/pairing/tickets",
  pairingConfirm: "/v1/pairing/confirm",
  trustPeers: "/v1/trust/peers",
  metrics: "/metrics",
} as const;

export const RELAY_MAX_PAYLOAD_BYTES = 256 * 1024;

export const correlationIdSchema = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[\x21-\x7e]+$/, "correlationId must be printable ASCII without spaces");
export const conversationIdSchema = correlationIdSchema;

export const healthResponseSchema = z.object({
  status: z.enum(["ok", "degraded"]),
  version: z.string(),
  environment: z.string(),
  ready: z.boolean(),
});
export type HealthResponse = z.infer<typeof healthResponseSchema>;

export const relayAcceptedResponseSchema = z.object({
  messageId: ulidSchema,
  correlationId: correlationIdSchema,
  state: z.enum(["queued", "duplicate"]),
  queueDepth: z.number().int().nonnegative(),
});
export type RelayAcceptedResponse = z.infer<typeof relayAcceptedResponseSchema>;

export const deliveryReceiptRequestSchema = z.object({
  messageId: ulidSchema,
  senderAgentDid: agentDidSchema,
  status: receiptStatusSchema,
  reason: receiptReasonSchema.optional(),
  correlationId: correlationIdSchema.optional(),
});
export type DeliveryReceiptRequest = z.infer<typeof deliveryReceiptRequestSchema>;

export const MESSAGE_TIMELINE_EVENTS = [
  "accepted",
  "queued",
  "delivered_to_connector",
  "refused_by_connector",
  "delivered_to_webhook",
  "dead_lettered",
] as const;

export const messageTimelineEntrySchema = z.object({
  event: z.enum(MESSAGE_TIMELINE_EVENTS),
  at: isoTimestampSchema,
  attempt: z.number().int().nonnegative().optional(),
  reason: z.string().optional(),
});

export const messageStatusResponseSchema = z.object({
  messageId: ulidSchema,
  correlationId: correlationIdSchema,
  senderAgentDid: agentDidSchema,
  recipientAgentDid: agentDidSchema,
  priority: prioritySchema,
  state: z.enum(["queued", "delivered_to_connector", "delivered_to_webhook", "dead_lettered"]),
  attempts: z.number().int().nonnegative(),
  timeline: z.array(messageTimelineEntrySchema),
});
export type MessageStatusResponse = z.infer<typeof messageStatusResponseSchema>;

export const pairingTicketRequestSchema = z.object({
  ttlSeconds: z.number().int().min(30).max(3600).optional(),
  rateLimitPerMinute: z.number().int().positive().max(100_000).optional(),
  queueQuota: z.number().int().positive().max(1_000_000).optional(),
});
export const pairingTicketResponseSchema = z.object({
  ticket: z.string().min(1),
  initiatorAgentDid: agentDidSchema,
  expiresAt: isoTimestampSchema,
});
export const pairingConfirmRequestSchema = z.object({ ticket: z.string().min(1).max(4096) });
export const trustPeerSchema = z.object({
  agentDid: agentDidSchema,
  pairedAt: isoTimestampSchema,
  rateLimitPerMinute: z.number().int().positive().optional(),
  queueQuota: z.number().int().positive().optional(),
});
export const trustPeersResponseSchema = z.object({ peers: z.array(trustPeerSchema) });
export type PairingTicketRequest = z.infer<typeof pairingTicketRequestSchema>;
export type PairingTicketResponse = z.infer<typeof pairingTicketResponseSchema>;
export type PairingConfirmRequest = z.infer<typeof pairingConfirmRequestSchema>;
export type TrustPeer = z.infer<typeof trustPeerSchema>;

export const relayDeadLetterSchema = z.object({
  messageId: ulidSchema,
  senderAgentDid: agentDidSchema,
  correlationId: correlationIdSchema,
  priority: prioritySchema,
  reason: z.string(),
  attempts: z.number().int().nonnegative(),
  deadLetteredAt: isoTimestampSchema,
});
export const relayDeadLettersResponseSchema = z.object({ deadLetters: z.array(relayDeadLetterSchema) });
export type RelayDeadLetter = z.infer<typeof relayDeadLetterSchema>;

export const relayMetricsResponseSchema = z.object({
  queueDepth: z.object({ critical: z.number(), normal: z.number(), low: z.number() }),
  delivered: z.number(),
  refused: z.number(),
  failed: z.number(),
  expired: z.number(),
  deliveryLatencyMs: z.object({ p50: z.number().nullable(), p90: z.number().nullable(), p99: z.number().nullable() }),
});
export type RelayMetricsResponse = z.infer<typeof relayMetricsResponseSchema>;

/** `olderThan` query: an ISO timestamp or a duration like `15m`, `6h`, `7d`. */
export const olderThanSchema = z
  .string()
  .regex(/^(\d+[smhd]|\d{4}-\d{2}-\d{2}T[\d:.]+(Z|[+-]\d{2}:\d{2}))$/, "must be a duration like 7d or an ISO timestamp")
  // The shape alone lets impossible dates through, which would become a NaN cut-off.
  .refine((value) => /^\d+[smhd]$/.test(value) || !Number.isNaN(Date.parse(value)), "not a valid timestamp");

/** Turns `olderThan` into an absolute cut-off in epoch milliseconds. */
export function resolveOlderThan(value: string, nowMs: number): number {
  const parsed = olderThanSchema.parse(value);
  const duration = /^(\d+)([smhd])$/.exec(parsed);
  if (!duration) return Date.parse(parsed);
  const unitMs = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[duration[2] as "s" | "m" | "h" | "d"];
  return nowMs - Number(duration[1]) * unitMs;
}
