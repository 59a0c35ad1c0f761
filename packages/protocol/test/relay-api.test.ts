import { describe, expect, it } from "vitest";
import {
  correlationIdSchema,
  deliveryReceiptRequestSchema,
  healthResponseSchema,
  messageStatusResponseSchema,
  pairingConfirmRequestSchema,
  pairingTicketRequestSchema,
  pairingTicketResponseSchema,
  RELAY_MAX_PAYLOAD_BYTES,
  RELAY_PATHS,
  relayAcceptedResponseSchema,
  relayDeadLettersResponseSchema,
  relayMetricsResponseSchema,
  trustPeersResponseSchema,
} from "../src/index";
import { AGENT_DID, HUMAN_DID, ISO_NOW, OTHER_AGENT_DID, ULID_A, without } from "./fixtures";

describe("relay API constants", () => {
  it("name the PROTOCOL.md §4 paths and the 256 KiB payload limit", () => {
    expect(RELAY_PATHS.messages).toBe("/v1/relay/messages");
    expect(RELAY_PATHS.deliveryReceipts).toBe("/v1/relay/delivery-receipts");
    expect(RELAY_PATHS.connect).toBe("/v1/relay/connect");
    expect(RELAY_MAX_PAYLOAD_BYTES).toBe(262_144);
  });
});

describe("correlationIdSchema", () => {
  it("accepts printable ASCII up to 200 characters", () => {
    expect(correlationIdSchema.safeParse("trace:abc-123/x").success).toBe(true);
    expect(correlationIdSchema.safeParse("c".repeat(200)).success).toBe(true);
  });

  it.each(["", "has space", "tab\t", "ünï", "c".repeat(201)])("rejects %j", (value) => {
    expect(correlationIdSchema.safeParse(value).success).toBe(false);
  });
});

describe("delivery receipt request", () => {
  const body = { messageId: ULID_A, senderAgentDid: AGENT_DID, status: "dead_lettered", reason: "webhook_rejected" };

  it("accepts both statuses, with optional reason and correlationId", () => {
    expect(deliveryReceiptRequestSchema.parse(body)).toEqual(body);
    expect(
      deliveryReceiptRequestSchema.safeParse({ ...without(body, "reason"), status: "delivered_to_webhook" }).success,
    ).toBe(true);
    expect(deliveryReceiptRequestSchema.safeParse({ ...body, correlationId: "c-1" }).success).toBe(true);
  });

  it.each([
    ["an unknown status", { status: "read" }],
    ["a human sender", { senderAgentDid: HUMAN_DID }],
    ["a non-ULID messageId", { messageId: "m-1" }],
    ["a correlationId with spaces", { correlationId: "a b" }],
  ])("rejects %s", (_label, patch) => {
    expect(deliveryReceiptRequestSchema.safeParse({ ...body, ...patch }).success).toBe(false);
  });

  it.each(["messageId", "senderAgentDid", "status"] as const)("rejects a body without %s", (field) => {
    expect(deliveryReceiptRequestSchema.safeParse(without(body, field)).success).toBe(false);
  });
});

describe("relay responses", () => {
  it("accepts the health answer", () => {
    const health = { status: "ok", version: "0.1.0", environment: "dev", ready: true };
    expect(healthResponseSchema.parse(health)).toEqual(health);
    expect(healthResponseSchema.safeParse({ ...health, status: "down" }).success).toBe(false);
  });

  it("accepts queued and duplicate 202 answers only", () => {
    const accepted = { messageId: ULID_A, correlationId: ULID_A, state: "queued", queueDepth: 0 };
    expect(relayAcceptedResponseSchema.safeParse(accepted).success).toBe(true);
    expect(relayAcceptedResponseSchema.safeParse({ ...accepted, state: "duplicate" }).success).toBe(true);
    expect(relayAcceptedResponseSchema.safeParse({ ...accepted, state: "sent" }).success).toBe(false);
    expect(relayAcceptedResponseSchema.safeParse({ ...accepted, queueDepth: -1 }).success).toBe(false);
  });

  it("accepts a message status with its timeline", () => {
    const status = {
      messageId: ULID_A,
      correlationId: "c-1",
      senderAgentDid: AGENT_DID,
      recipientAgentDid: OTHER_AGENT_DID,
      priority: "normal",
      state: "delivered_to_webhook",
      attempts: 1,
      timeline: [
        { event: "accepted", at: ISO_NOW },
        { event: "delivered_to_connector", at: ISO_NOW, attempt: 1 },
        { event: "delivered_to_webhook", at: ISO_NOW },
      ],
    };
    expect(messageStatusResponseSchema.parse(status)).toEqual(status);
    expect(
      messageStatusResponseSchema.safeParse({ ...status, timeline: [{ event: "opened", at: ISO_NOW }] }).success,
    ).toBe(false);
  });

  it("accepts dead letters and metrics", () => {
    const deadLetter = {
      messageId: ULID_A,
      senderAgentDid: AGENT_DID,
      correlationId: "c",
      priority: "low",
      reason: "expired",
      attempts: 20,
      deadLetteredAt: ISO_NOW,
    };
    expect(relayDeadLettersResponseSchema.safeParse({ deadLetters: [deadLetter] }).success).toBe(true);
    expect(relayDeadLettersResponseSchema.safeParse({ deadLetters: [{ ...deadLetter, priority: "x" }] }).success).toBe(
      false,
    );
    const metrics = {
      queueDepth: { critical: 0, normal: 2, low: 1 },
      delivered: 10,
      refused: 0,
      failed: 1,
      expired: 0,
      deliveryLatencyMs: { p50: 12, p90: null, p99: null },
    };
    expect(relayMetricsResponseSchema.parse(metrics)).toEqual(metrics);
    expect(relayMetricsResponseSchema.safeParse(without(metrics, "queueDepth")).success).toBe(false);
  });
});

describe("pairing and trust bodies", () => {
  it("bound the ticket options", () => {
    expect(pairingTicketRequestSchema.safeParse({}).success).toBe(true);
    expect(pairingTicketRequestSchema.safeParse({ ttlSeconds: 300, rateLimitPerMinute: 10 }).success).toBe(true);
    expect(pairingTicketRequestSchema.safeParse({ ttlSeconds: 29 }).success).toBe(false);
    expect(pairingTicketRequestSchema.safeParse({ ttlSeconds: 3601 }).success).toBe(false);
    expect(pairingTicketRequestSchema.safeParse({ queueQuota: 0 }).success).toBe(false);
  });

  it("accept a ticket answer, a confirm body and the peer list", () => {
    expect(
      pairingTicketResponseSchema.safeParse({ ticket: "t", initiatorAgentDid: AGENT_DID, expiresAt: ISO_NOW }).success,
    ).toBe(true);
    expect(pairingConfirmRequestSchema.safeParse({ ticket: "t" }).success).toBe(true);
    expect(pairingConfirmRequestSchema.safeParse({ ticket: "" }).success).toBe(false);
    expect(pairingConfirmRequestSchema.safeParse({ ticket: "t".repeat(4097) }).success).toBe(false);
    expect(trustPeersResponseSchema.safeParse({ peers: [{ agentDid: AGENT_DID, pairedAt: ISO_NOW }] }).success).toBe(
      true,
    );
    expect(trustPeersResponseSchema.safeParse({ peers: [{ agentDid: HUMAN_DID, pairedAt: ISO_NOW }] }).success).toBe(
      false,
    );
  });
});
