import { z } from "zod";
import { agentDidSchema } from "./did";
import { CLAW_HEADERS } from "./headers";
import { isoTimestampSchema, safeTextSchema, ulidSchema } from "./primitives";
import { prioritySchema } from "./priority";
import { receiptReasonSchema, receiptStatusSchema } from "./receipts";

export const RELAY_PATHS = {
  health: "/health",
  messages: "/v1/relay/messages",
  /** Many messages in one signed request, each with its own outcome (§4.3.1). */
  messagesBatch: "/v1/relay/messages/batch",
  connect: "/v1/relay/connect",
  deliveryReceipts: "/v1/relay/delivery-receipts",
  /** Many receipts in one signed request, each with its own outcome (§4.5.1). */
  deliveryReceiptsBatch: "/v1/relay/delivery-receipts/batch",
  deadLetters: "/v1/relay/dead-letters",
  relayMetrics: "/v1/relay/metrics",
  /** Current p50/p99 of the relay's latency histograms over every session. */
  relayLatency: "/v1/relay/latency",
  pairingTickets: "/v1/pairing/tickets",
  pairingConfirm: "/v1/pairing/confirm",
  trustPeers: "/v1/trust/peers",
  metrics: "/metrics",
  /** Operator view of poison queue messages (bearer token, like `/metrics`). */
  opsDeadLetterQueue: "/v1/ops/dead-letter-queue",
  /** Operator view of the billable platform operations this isolate counted (bearer token). */
  opsBillableOps: "/v1/ops/billable-ops",
} as const;

export const RELAY_MAX_PAYLOAD_BYTES = 256 * 1024;

export const correlationIdSchema = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[\x21-\x7e]+$/, "correlationId must be printable ASCII without spaces");
export const conversationIdSchema = correlationIdSchema;

/** W3C `traceparent`, carried along unchanged; only its size and character set are checked. */
export const traceparentSchema = z
  .string()
  .max(512)
  .regex(/^[\x20-\x7e]+$/, "traceparent must be printable ASCII");

/** Headers of `POST /v1/relay/messages`, keyed by header name so a validation error names the header. */
export const relayMessageHeadersSchema = z
  .object({
    [CLAW_HEADERS.recipientAgentDid]: agentDidSchema,
    [CLAW_HEADERS.messageId]: ulidSchema,
    [CLAW_HEADERS.correlationId]: correlationIdSchema.optional(),
    [CLAW_HEADERS.priority]: prioritySchema.optional(),
    [CLAW_HEADERS.conversationId]: conversationIdSchema.optional(),
    [CLAW_HEADERS.replyTo]: safeTextSchema(200).optional(),
    [CLAW_HEADERS.traceparent]: traceparentSchema.optional(),
  })
  .transform((headers) => ({
    recipientAgentDid: headers[CLAW_HEADERS.recipientAgentDid],
    messageId: headers[CLAW_HEADERS.messageId],
    correlationId: headers[CLAW_HEADERS.correlationId],
    priority: headers[CLAW_HEADERS.priority],
    conversationId: headers[CLAW_HEADERS.conversationId],
    replyTo: headers[CLAW_HEADERS.replyTo],
    traceparent: headers[CLAW_HEADERS.traceparent],
  }));
export type RelayMessageHeaders = z.infer<typeof relayMessageHeadersSchema>;

/** Reads the relay-message headers from a Fetch `Headers`; throws a ZodError naming the bad header. */
export function parseRelayMessageHeaders(headers: Headers): RelayMessageHeaders {
  const names = [
    CLAW_HEADERS.recipientAgentDid,
    CLAW_HEADERS.messageId,
    CLAW_HEADERS.correlationId,
    CLAW_HEADERS.priority,
    CLAW_HEADERS.conversationId,
    CLAW_HEADERS.replyTo,
    CLAW_HEADERS.traceparent,
  ];
  return relayMessageHeadersSchema.parse(
    Object.fromEntries(names.map((name) => [name, headers.get(name) ?? undefined])),
  );
}

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

/** `202` of `POST /v1/relay/delivery-receipts`; a repeat answers `duplicate` and publishes nothing new. */
export const deliveryReceiptAcceptedResponseSchema = z.object({
  messageId: ulidSchema,
  status: receiptStatusSchema,
  state: z.enum(["accepted", "duplicate"]),
});
export type DeliveryReceiptAcceptedResponse = z.infer<typeof deliveryReceiptAcceptedResponseSchema>;

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
  /**
   * A message forwarded to the recipient's home on another proxy: that proxy's timeline of it
   * (received, delivered to the recipient's connector), asked for when the status is (PROTOCOL.md §11.9).
   */
  peerProxy: z.object({ origin: z.string().min(1).max(300), timeline: z.array(messageTimelineEntrySchema) }).optional(),
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
/**
 * A ticket's and a confirm's limits are what the requester allows its PEER to send to it (it bears
 * that cost); the proxy caps them at its operator maxima.
 */
export const pairingConfirmRequestSchema = z.object({
  ticket: z.string().min(1).max(4096),
  rateLimitPerMinute: z.number().int().positive().max(100_000).optional(),
  queueQuota: z.number().int().positive().max(1_000_000).optional(),
});
export const trustPeerSchema = z.object({
  agentDid: agentDidSchema,
  pairedAt: isoTimestampSchema,
  rateLimitPerMinute: z.number().int().positive().optional(),
  queueQuota: z.number().int().positive().optional(),
});
export const trustPeersResponseSchema = z.object({ peers: z.array(trustPeerSchema) });
/** `POST /v1/pairing/confirm`: the initiator, as the confirming agent now trusts it. */
export const pairingConfirmResponseSchema = z.object({ peer: trustPeerSchema });
export type PairingConfirmResponse = z.infer<typeof pairingConfirmResponseSchema>;
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

/** `POST /v1/relay/dead-letters/:messageId/retry`: the message is live again with fresh attempts and TTL. */
export const relayDeadLetterRetryResponseSchema = z.object({
  messageId: ulidSchema,
  senderAgentDid: agentDidSchema,
  state: z.literal("queued"),
  queueDepth: z.number().int().nonnegative(),
});
export type RelayDeadLetterRetryResponse = z.infer<typeof relayDeadLetterRetryResponseSchema>;

/** `DELETE /v1/relay/dead-letters?olderThan=`: how many dead letters (and their payloads) were removed. */
export const relayDeadLetterPurgeResponseSchema = z.object({ purged: z.number().int().nonnegative() });
export type RelayDeadLetterPurgeResponse = z.infer<typeof relayDeadLetterPurgeResponseSchema>;

/** A queue message the proxy could not process: poison from a dead-letter queue, or malformed / unknown. */
export const operatorQueueRecordSchema = z.object({
  queue: z.string(),
  messageId: z.string(),
  kind: z.enum(["dead_lettered", "malformed", "unknown_type", "unroutable"]),
  reason: z.string().nullable(),
  attempts: z.number().int().nonnegative(),
  receivedAt: isoTimestampSchema,
  body: z.string().nullable(),
});
export const operatorQueueRecordsResponseSchema = z.object({ records: z.array(operatorQueueRecordSchema) });
export type OperatorQueueRecord = z.infer<typeof operatorQueueRecordSchema>;

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

/**
 * `GET /v1/ops/billable-ops`: the platform operations Cloudflare bills, counted by the proxy's own
 * code in the isolate that answers, since that isolate started (`sinceMs`). A reader takes the
 * difference of two reads around the work it measures.
 */
export const billableOpsSchema = z.object({
  workerRequests: z.number().int().nonnegative(),
  durableObjectRpcCalls: z.number().int().nonnegative(),
  durableObjectAlarms: z.number().int().nonnegative(),
  webSocketMessagesIn: z.number().int().nonnegative(),
  webSocketMessagesOut: z.number().int().nonnegative(),
  sqlRowsRead: z.number().int().nonnegative(),
  sqlRowsWritten: z.number().int().nonnegative(),
  queueMessagesSent: z.number().int().nonnegative(),
  queueMessagesConsumed: z.number().int().nonnegative(),
});
export type BillableOps = z.infer<typeof billableOpsSchema>;
export const billableOpsResponseSchema = z.object({
  scope: z.literal("isolate"),
  sinceMs: z.number().int().nonnegative(),
  counts: billableOpsSchema,
});
export type BillableOpsResponse = z.infer<typeof billableOpsResponseSchema>;
