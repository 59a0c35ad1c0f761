import { describe, expect, it } from "vitest";
import {
  agentAuthRevokedEventSchema,
  deliveryReceiptEventSchema,
  EVENT_TYPES,
  eventEnvelopeSchema,
  isDeadLetterQueueName,
  QUEUE_NAMES,
  queueEventSchema,
} from "../src/index";
import { AGENT_DID, HUMAN_DID, ISO_NOW, OTHER_AGENT_DID, ULID_A, ULID_B, ULID_C, without } from "./fixtures";

const envelope = { id: ULID_C, version: "v1", timestampUtc: ISO_NOW, initiatedByAccountId: HUMAN_DID } as const;

const revoked = {
  ...envelope,
  type: "agent.auth.revoked",
  data: { agentDid: AGENT_DID, jti: ULID_A, reason: "agent_revoked" },
} as const;

const receipt = {
  ...envelope,
  type: "delivery_receipt",
  data: {
    messageId: ULID_B,
    correlationId: "corr-1",
    senderAgentDid: AGENT_DID,
    recipientAgentDid: OTHER_AGENT_DID,
    status: "delivered_to_webhook",
    at: ISO_NOW,
  },
} as const;

describe("queue events", () => {
  it("names the queues and their dead-letter queues", () => {
    expect(QUEUE_NAMES).toEqual({
      events: "clawdentity-events",
      eventsDlq: "clawdentity-events-dlq",
      receipts: "clawdentity-receipts",
      receiptsDlq: "clawdentity-receipts-dlq",
    });
    expect(EVENT_TYPES).toEqual({ agentAuthRevoked: "agent.auth.revoked", deliveryReceipt: "delivery_receipt" });
  });

  it("knows a dead-letter queue by its -dlq segment, whatever suffix follows", () => {
    const named = ["clawdentity-events-dlq", "clawdentity-receipts-dlq-dev", "clawdentity-events-dlq-local-b"];
    expect(named.map(isDeadLetterQueueName)).toEqual([true, true, true]);
    const unnamed = ["clawdentity-events", "clawdentity-receipts-local", "clawdentity-dlqs", "clawdentity-events-dlqx"];
    expect(unnamed.map(isDeadLetterQueueName)).toEqual([false, false, false, false]);
  });

  it("accepts an agent.auth.revoked event", () => {
    expect(agentAuthRevokedEventSchema.parse(revoked)).toEqual(revoked);
    expect(queueEventSchema.parse(revoked).type).toBe("agent.auth.revoked");
  });

  it("accepts a delivery_receipt event with and without a reason", () => {
    expect(deliveryReceiptEventSchema.parse(receipt)).toEqual(receipt);
    const deadLettered = { ...receipt, data: { ...receipt.data, status: "dead_lettered", reason: "expired" } };
    expect(queueEventSchema.parse(deadLettered)).toEqual(deadLettered);
  });

  it("accepts a null initiator (system-initiated events)", () => {
    expect(queueEventSchema.safeParse({ ...revoked, initiatedByAccountId: null }).success).toBe(true);
  });

  it("rejects an unknown event type but keeps it readable through the raw envelope", () => {
    const unknown = { ...envelope, type: "agent.created", data: { anything: true } };
    expect(queueEventSchema.safeParse(unknown).success).toBe(false);
    expect(eventEnvelopeSchema.parse(unknown)).toEqual(unknown);
  });

  it.each(["id", "type", "version", "timestampUtc", "initiatedByAccountId", "data"] as const)(
    "rejects an envelope without %s",
    (field) => {
      expect(queueEventSchema.safeParse(without(revoked, field)).success).toBe(false);
      expect(eventEnvelopeSchema.safeParse(without(revoked, field)).success).toBe(false);
    },
  );

  it.each([
    ["version v2", { ...revoked, version: "v2" }],
    ["a non-ULID id", { ...revoked, id: "evt-1" }],
    ["a bad timestamp", { ...revoked, timestampUtc: "2026-01-01" }],
    ["a human agentDid", { ...revoked, data: { ...revoked.data, agentDid: HUMAN_DID } }],
    ["an empty reason", { ...revoked, data: { ...revoked.data, reason: "" } }],
    ["the data of the other type", { ...revoked, data: receipt.data }],
    ["an unknown receipt status", { ...receipt, data: { ...receipt.data, status: "read" } }],
    ["a receipt reason in capitals", { ...receipt, data: { ...receipt.data, reason: "EXPIRED" } }],
    ["a receipt without correlationId", { ...receipt, data: without(receipt.data, "correlationId") }],
    ["a receipt without at", { ...receipt, data: without(receipt.data, "at") }],
  ])("rejects an event with %s", (_label, event) => {
    expect(queueEventSchema.safeParse(event).success).toBe(false);
  });
});
