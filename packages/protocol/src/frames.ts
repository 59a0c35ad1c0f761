import { z } from "zod";
import { agentDidSchema } from "./did";
import { isoTimestampSchema, ulidSchema } from "./primitives";
import { prioritySchema } from "./priority";
import { receiptReasonSchema, receiptStatusSchema } from "./receipts";

export const RELAY_PROTOCOL_V1 = 1;
export const RELAY_PROTOCOL_V2 = 2;
export type RelayProtocolVersion = typeof RELAY_PROTOCOL_V1 | typeof RELAY_PROTOCOL_V2;

const base = { v: z.literal(1), id: ulidSchema, ts: isoTimestampSchema };

export const heartbeatFrameSchema = z.object({ ...base, type: z.literal("heartbeat") });
export const heartbeatAckFrameSchema = z.object({ ...base, type: z.literal("heartbeat_ack"), ackId: ulidSchema });

export const deliverFrameSchema = z.object({
  ...base,
  type: z.literal("deliver"),
  fromAgentDid: agentDidSchema,
  toAgentDid: agentDidSchema,
  payload: z.unknown(),
  conversationId: z.string().min(1).max(200).optional(),
  replyTo: z.string().min(1).max(200).optional(),
  // v2
  messageId: ulidSchema.optional(),
  correlationId: z.string().min(1).max(200).optional(),
  priority: prioritySchema.optional(),
  attempt: z.number().int().positive().optional(),
});

export const deliverAckFrameSchema = z.object({
  ...base,
  type: z.literal("deliver_ack"),
  ackId: ulidSchema,
  accepted: z.boolean(),
  reason: z.string().max(500).optional(),
});

export const receiptFrameSchema = z.object({
  ...base,
  type: z.literal("receipt"),
  originalFrameId: ulidSchema,
  toAgentDid: agentDidSchema,
  status: receiptStatusSchema,
  reason: receiptReasonSchema.optional(),
  // v2
  messageId: ulidSchema.optional(),
  correlationId: z.string().min(1).max(200).optional(),
  at: isoTimestampSchema.optional(),
});

export const receiptAckFrameSchema = z.object({ ...base, type: z.literal("receipt_ack"), ackId: ulidSchema });

/**
 * Bounds of the v2 batch frames (PROTOCOL §5.4, §5.5). A `deliver_batch` carries at most
 * `maxMessages` messages whose payload texts add up to at most `maxPayloadChars`, so the frame's
 * structure stays within one payload's limits and its reader can bound it before parsing; a larger
 * message goes alone in a `deliver` frame. Acks of either kind carry at most `maxAcks` ids, above
 * the largest in-flight window the proxy may be configured with.
 */
export const FRAME_BATCH_LIMITS = { maxMessages: 64, maxPayloadChars: 32 * 1024, maxAcks: 256 } as const;

/** What a connector announces in `hello` and the proxy confirms in `hello_ack`. */
export const RELAY_FEATURES = {
  /** `deliver_batch` and `receipt_batch` to the connector, `deliver_ack_batch` and `receipt_ack_batch` back. */
  batch: "batch",
} as const;

const frameHead = { v: true, type: true, ts: true } as const;
export const deliverBatchItemSchema = deliverFrameSchema.omit(frameHead);
export const receiptBatchItemSchema = receiptFrameSchema.omit(frameHead);

export const deliverBatchFrameSchema = z.object({
  ...base,
  type: z.literal("deliver_batch"),
  messages: z.array(deliverBatchItemSchema).min(1).max(FRAME_BATCH_LIMITS.maxMessages),
});

const ackIdsSchema = z.array(ulidSchema).max(FRAME_BATCH_LIMITS.maxAcks);

export const deliverAckBatchFrameSchema = z.object({
  ...base,
  type: z.literal("deliver_ack_batch"),
  /** Deliver ids stored durably (or already held). */
  accepted: ackIdsSchema,
  /** Deliver ids refused, each with its own reason: one refusal does not touch the others. */
  refused: z
    .array(z.object({ ackId: ulidSchema, reason: z.string().max(500) }))
    .max(FRAME_BATCH_LIMITS.maxAcks)
    .default([]),
});

export const receiptBatchFrameSchema = z.object({
  ...base,
  type: z.literal("receipt_batch"),
  receipts: z.array(receiptBatchItemSchema).min(1).max(FRAME_BATCH_LIMITS.maxMessages),
});

export const receiptAckBatchFrameSchema = z.object({
  ...base,
  type: z.literal("receipt_ack_batch"),
  ackIds: ackIdsSchema.min(1),
});

const featuresSchema = z.array(z.string().min(1).max(40)).max(16);

export const helloFrameSchema = z.object({
  ...base,
  type: z.literal("hello"),
  lastReceivedId: ulidSchema.optional(),
  offlineSinceMs: z.number().int().nonnegative().optional(),
  /** Optional behaviour the connector understands (`RELAY_FEATURES`); unknown names are ignored. */
  features: featuresSchema.optional(),
});

export const helloAckFrameSchema = z.object({
  ...base,
  type: z.literal("hello_ack"),
  queuedCount: z.number().int().nonnegative(),
  expiredCount: z.number().int().nonnegative(),
  pendingReceipts: z.number().int().nonnegative(),
  oldestQueuedAt: isoTimestampSchema.optional(),
  /** How many messages the proxy keeps unacknowledged on this socket at most. */
  window: z.number().int().positive().optional(),
  /** The features of `hello` the proxy uses on this socket. */
  features: featuresSchema.optional(),
});

export const relayFrameSchema = z.discriminatedUnion("type", [
  heartbeatFrameSchema,
  heartbeatAckFrameSchema,
  deliverFrameSchema,
  deliverAckFrameSchema,
  receiptFrameSchema,
  receiptAckFrameSchema,
  helloFrameSchema,
  helloAckFrameSchema,
  deliverBatchFrameSchema,
  deliverAckBatchFrameSchema,
  receiptBatchFrameSchema,
  receiptAckBatchFrameSchema,
]);

export type HeartbeatFrame = z.infer<typeof heartbeatFrameSchema>;
export type HeartbeatAckFrame = z.infer<typeof heartbeatAckFrameSchema>;
export type DeliverFrame = z.infer<typeof deliverFrameSchema>;
export type DeliverAckFrame = z.infer<typeof deliverAckFrameSchema>;
export type ReceiptFrame = z.infer<typeof receiptFrameSchema>;
export type ReceiptAckFrame = z.infer<typeof receiptAckFrameSchema>;
export type HelloFrame = z.infer<typeof helloFrameSchema>;
export type HelloAckFrame = z.infer<typeof helloAckFrameSchema>;
export type DeliverBatchFrame = z.infer<typeof deliverBatchFrameSchema>;
export type DeliverAckBatchFrame = z.infer<typeof deliverAckBatchFrameSchema>;
export type ReceiptBatchFrame = z.infer<typeof receiptBatchFrameSchema>;
export type ReceiptAckBatchFrame = z.infer<typeof receiptAckBatchFrameSchema>;
export type RelayFrame = z.infer<typeof relayFrameSchema>;
export type RelayFrameType = RelayFrame["type"];

/** Frame types only a v2 peer may send or receive. */
export const V2_ONLY_FRAME_TYPES: ReadonlySet<RelayFrameType> = new Set([
  "receipt_ack",
  "hello",
  "hello_ack",
  "deliver_batch",
  "deliver_ack_batch",
  "receipt_batch",
  "receipt_ack_batch",
]);

const V2_FIELDS: Partial<Record<RelayFrameType, readonly string[]>> = {
  deliver: ["messageId", "correlationId", "priority", "attempt"],
  receipt: ["messageId", "correlationId", "at"],
};

/** Parses one text frame; throws a ZodError or SyntaxError for anything that is not a known frame. */
export function parseRelayFrame(data: string): RelayFrame {
  return relayFrameSchema.parse(JSON.parse(data));
}

/**
 * Shapes a frame for a peer speaking `version`: a v1 peer gets no v2-only fields,
 * and `null` for a frame type it does not know.
 */
export function toVersionedFrame<F extends RelayFrame>(frame: F, version: RelayProtocolVersion): F | null {
  if (version >= RELAY_PROTOCOL_V2) return frame;
  if (V2_ONLY_FRAME_TYPES.has(frame.type)) return null;
  const dropped = V2_FIELDS[frame.type];
  if (!dropped) return frame;
  const copy: Record<string, unknown> = { ...frame };
  for (const field of dropped) delete copy[field];
  return copy as F;
}

export function serializeRelayFrame(frame: RelayFrame, version: RelayProtocolVersion): string | null {
  const shaped = toVersionedFrame(frame, version);
  return shaped === null ? null : JSON.stringify(shaped);
}

export function parseRelayProtocolVersion(header: string | null | undefined): RelayProtocolVersion {
  return header?.trim() === "2" ? RELAY_PROTOCOL_V2 : RELAY_PROTOCOL_V1;
}

/**
 * WebSocket close codes a relay session uses when it ends a connection on purpose.
 * A connector closed as `superseded` (a newer connection of the same agent took over) or
 * `revoked` must not reconnect on its own, or two connectors would keep evicting each other.
 * `protocolError` means the peer sent something that is not a frame it may send (unparseable
 * JSON, an unknown type, a proxy-to-connector frame, or a v2 frame on a v1 connection).
 */
export const RELAY_CLOSE_CODES = {
  superseded: 4001,
  protocolError: 4002,
  revoked: 4003,
} as const;

type FrameHead = "v" | "type" | "ts";

/** A frame as one entry of a batch frame: the batch carries `v`, `type` and `ts` once. */
export function toBatchItem<F extends RelayFrame>(frame: F): Omit<F, FrameHead> {
  const { v: _v, type: _type, ts: _ts, ...item } = frame;
  return item;
}

/** The messages of a `deliver_batch` as the `deliver` frames they stand for, in order. */
export const unbatchDelivers = (batch: DeliverBatchFrame): DeliverFrame[] =>
  batch.messages.map((item) => ({ ...item, v: 1, type: "deliver", ts: batch.ts }));

/** The receipts of a `receipt_batch` as the `receipt` frames they stand for, in order. */
export const unbatchReceipts = (batch: ReceiptBatchFrame): ReceiptFrame[] =>
  batch.receipts.map((item) => ({ ...item, v: 1, type: "receipt", ts: batch.ts }));
