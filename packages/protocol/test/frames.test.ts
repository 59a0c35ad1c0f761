import { describe, expect, it } from "vitest";
import { ZodError } from "zod";
import {
  type DeliverFrame,
  parseRelayFrame,
  parseRelayProtocolVersion,
  RELAY_PROTOCOL_V1,
  RELAY_PROTOCOL_V2,
  type ReceiptFrame,
  type RelayFrame,
  relayFrameSchema,
  serializeRelayFrame,
  toBatchItem,
  toVersionedFrame,
  unbatchDelivers,
  unbatchReceipts,
  V2_ONLY_FRAME_TYPES,
} from "../src/index";
import { AGENT_DID, ISO_NOW, OTHER_AGENT_DID, ULID_A, ULID_B, ULID_C, without } from "./fixtures";

const base = { v: 1, id: ULID_A, ts: ISO_NOW } as const;

/** What a v1 peer sees of `deliver`. */
const deliverV1: DeliverFrame = {
  ...base,
  type: "deliver",
  fromAgentDid: AGENT_DID,
  toAgentDid: OTHER_AGENT_DID,
  payload: { text: "hi" },
  conversationId: "conv-1",
  replyTo: ULID_C,
};

const deliver: DeliverFrame = {
  ...deliverV1,
  messageId: ULID_A,
  correlationId: "corr-1",
  priority: "critical",
  attempt: 2,
};

const receipt: ReceiptFrame = {
  ...base,
  id: ULID_B,
  type: "receipt",
  originalFrameId: ULID_A,
  toAgentDid: OTHER_AGENT_DID,
  status: "dead_lettered",
  reason: "max_attempts",
  messageId: ULID_A,
  correlationId: "corr-1",
  at: ISO_NOW,
};

/** One valid example of every frame type. */
const frames: Record<RelayFrame["type"], RelayFrame> = {
  heartbeat: { ...base, type: "heartbeat" },
  heartbeat_ack: { ...base, type: "heartbeat_ack", ackId: ULID_B },
  deliver,
  deliver_ack: { ...base, type: "deliver_ack", ackId: ULID_A, accepted: false, reason: "inbox full" },
  receipt,
  receipt_ack: { ...base, type: "receipt_ack", ackId: ULID_B },
  hello: { ...base, type: "hello", lastReceivedId: ULID_A, offlineSinceMs: 12_000, features: ["batch"] },
  hello_ack: {
    ...base,
    type: "hello_ack",
    queuedCount: 3,
    expiredCount: 0,
    pendingReceipts: 1,
    oldestQueuedAt: ISO_NOW,
    window: 16,
    features: ["batch"],
  },
  deliver_batch: { ...base, type: "deliver_batch", messages: [toBatchItem(deliver)] },
  deliver_ack_batch: {
    ...base,
    type: "deliver_ack_batch",
    accepted: [ULID_A],
    refused: [{ ackId: ULID_C, reason: "wrong_recipient" }],
  },
  receipt_batch: { ...base, type: "receipt_batch", receipts: [toBatchItem(receipt)] },
  receipt_ack_batch: { ...base, type: "receipt_ack_batch", ackIds: [ULID_B] },
};

describe("relayFrameSchema", () => {
  it.each(Object.entries(frames))("accepts a %s frame", (_type, frame) => {
    expect(relayFrameSchema.parse(frame)).toEqual(frame);
    expect(parseRelayFrame(JSON.stringify(frame))).toEqual(frame);
  });

  it("accepts a v1 deliver frame without the v2 fields", () => {
    expect(relayFrameSchema.parse(deliverV1)).toEqual(deliverV1);
  });

  it("rejects an unknown frame type", () => {
    expect(relayFrameSchema.safeParse({ ...base, type: "subscribe" }).success).toBe(false);
    expect(() => parseRelayFrame(JSON.stringify({ ...base, type: "subscribe" }))).toThrow(ZodError);
  });

  it("rejects text that is not JSON", () => {
    expect(() => parseRelayFrame("{not json")).toThrow(SyntaxError);
  });

  it.each([
    ["deliver", "fromAgentDid"],
    ["deliver", "toAgentDid"],
    ["deliver_ack", "ackId"],
    ["deliver_ack", "accepted"],
    ["receipt", "originalFrameId"],
    ["receipt", "status"],
    ["heartbeat_ack", "ackId"],
    ["receipt_ack", "ackId"],
    ["hello_ack", "queuedCount"],
    ["heartbeat", "v"],
    ["heartbeat", "id"],
    ["heartbeat", "ts"],
  ] as const)("rejects a %s frame without %s", (type, field) => {
    const frame = frames[type] as unknown as Record<string, unknown>;
    expect(relayFrameSchema.safeParse(without(frame, field)).success).toBe(false);
  });

  it.each([
    ["protocol version 2 in v", { ...frames.heartbeat, v: 2 }],
    ["a non-ULID id", { ...frames.heartbeat, id: "1" }],
    ["a non-ISO ts", { ...frames.heartbeat, ts: "yesterday" }],
    ["an unknown receipt status", { ...receipt, status: "read" }],
    ["an unknown priority", { ...deliver, priority: "urgent" }],
    ["a zero attempt", { ...deliver, attempt: 0 }],
    ["a human sender", { ...deliver, fromAgentDid: "did:cdi:registry.example.com:human:01JGQ8Z9ZQ0000000000000000" }],
    ["a negative queuedCount", { ...frames.hello_ack, queuedCount: -1 }],
    ["a zero window", { ...frames.hello_ack, window: 0 }],
    ["an empty deliver_batch", { ...frames.deliver_batch, messages: [] }],
    ["a deliver_batch over its count", { ...frames.deliver_batch, messages: Array(65).fill(toBatchItem(deliver)) }],
    ["a batch item that is not a deliver", { ...frames.deliver_batch, messages: [{ id: ULID_A }] }],
    ["an empty receipt_ack_batch", { ...frames.receipt_ack_batch, ackIds: [] }],
    ["a deliver_ack_batch over its count", { ...frames.deliver_ack_batch, accepted: Array(257).fill(ULID_A) }],
  ])("rejects a frame with %s", (_label, frame) => {
    expect(relayFrameSchema.safeParse(frame).success).toBe(false);
  });
});

describe("toVersionedFrame and serializeRelayFrame", () => {
  it("drop the v2 fields of deliver for a v1 peer", () => {
    const shaped = toVersionedFrame(deliver, RELAY_PROTOCOL_V1);
    expect(shaped).toEqual(deliverV1);
    const serialized = JSON.parse(serializeRelayFrame(deliver, RELAY_PROTOCOL_V1) ?? "null");
    expect(serialized).toEqual(shaped);
  });

  it("drop the v2 fields of receipt for a v1 peer", () => {
    const serialized = JSON.parse(serializeRelayFrame(receipt, RELAY_PROTOCOL_V1) ?? "null");
    expect(Object.keys(serialized).sort()).toEqual(
      ["v", "id", "ts", "type", "originalFrameId", "toAgentDid", "status", "reason"].sort(),
    );
  });

  it("do not change the frame they were given", () => {
    toVersionedFrame(deliver, RELAY_PROTOCOL_V1);
    expect(deliver.messageId).toBe(ULID_A);
  });

  it("give null for v2-only frames on a v1 peer", () => {
    const v2Only = ["receipt_ack", "hello", "hello_ack", "deliver_batch", "deliver_ack_batch"] as const;
    for (const type of [...v2Only, "receipt_batch", "receipt_ack_batch"] as const) {
      expect(V2_ONLY_FRAME_TYPES.has(type)).toBe(true);
      expect(toVersionedFrame(frames[type], RELAY_PROTOCOL_V1)).toBeNull();
      expect(serializeRelayFrame(frames[type], RELAY_PROTOCOL_V1)).toBeNull();
    }
  });

  it("pass v1 frames through unchanged on a v1 peer", () => {
    for (const type of ["heartbeat", "heartbeat_ack", "deliver_ack"] as const) {
      expect(toVersionedFrame(frames[type], RELAY_PROTOCOL_V1)).toEqual(frames[type]);
    }
  });

  it("keep every field and frame for a v2 peer", () => {
    for (const frame of Object.values(frames)) {
      expect(toVersionedFrame(frame, RELAY_PROTOCOL_V2)).toEqual(frame);
      expect(JSON.parse(serializeRelayFrame(frame, RELAY_PROTOCOL_V2) ?? "null")).toEqual(frame);
    }
  });

  it("produce text that parses back as a valid frame", () => {
    const text = serializeRelayFrame(deliver, RELAY_PROTOCOL_V1);
    expect(text).not.toBeNull();
    expect(parseRelayFrame(text ?? "").type).toBe("deliver");
  });
});

describe("batch frames", () => {
  it("stand for the frames they carry, in order", () => {
    const second = { ...deliver, id: ULID_B, messageId: ULID_B, priority: "low" as const };
    const batch = { ...base, type: "deliver_batch" as const, messages: [deliver, second].map(toBatchItem) };
    expect(unbatchDelivers(batch)).toEqual([deliver, second]);
    const receipts = { ...base, type: "receipt_batch" as const, receipts: [toBatchItem(receipt)] };
    expect(unbatchReceipts(receipts)).toEqual([{ ...receipt, id: ULID_B }]);
  });

  it("default a deliver_ack_batch without refusals to none", () => {
    const { refused: _refused, ...acceptedOnly } = frames.deliver_ack_batch as Record<string, unknown>;
    expect(relayFrameSchema.parse(acceptedOnly)).toMatchObject({ accepted: [ULID_A], refused: [] });
  });
});

describe("parseRelayProtocolVersion", () => {
  it("is 2 only for the header value 2", () => {
    expect(parseRelayProtocolVersion("2")).toBe(RELAY_PROTOCOL_V2);
    expect(parseRelayProtocolVersion(" 2 ")).toBe(RELAY_PROTOCOL_V2);
  });

  it.each([null, undefined, "", "1", "3", "v2", "2.0"])("is 1 for %s", (header) => {
    expect(parseRelayProtocolVersion(header)).toBe(RELAY_PROTOCOL_V1);
  });
});
