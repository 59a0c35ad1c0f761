import { describe, expect, it } from "vitest";
import {
  CONNECTOR_PATHS,
  idempotencyKeySchema,
  OUTBOUND_STATES,
  outboundAcceptedResponseSchema,
  outboundRequestSchema,
  outboundStatusResponseSchema,
} from "../src/index";
import { AGENT_DID, HUMAN_DID, ISO_NOW, ULID_A, ULID_B } from "./fixtures";

describe("connector API", () => {
  it("names the PROTOCOL.md §8 paths", () => {
    expect(CONNECTOR_PATHS).toEqual({
      outbound: "/v1/outbound",
      status: "/v1/status",
      metrics: "/metrics",
      latency: "/v1/latency",
      deadLetters: "/v1/dead-letters",
      identityRenew: "/v1/identity/renew",
    });
  });

  describe("outboundRequestSchema", () => {
    const minimal = { toAgentDid: AGENT_DID, payload: { text: "hi" } };

    it("accepts a minimal and a full request", () => {
      expect(outboundRequestSchema.parse(minimal)).toEqual(minimal);
      const full = {
        ...minimal,
        conversationId: "conv-1",
        replyTo: ULID_B,
        priority: "critical",
        correlationId: "corr-1",
      };
      expect(outboundRequestSchema.parse(full)).toEqual(full);
    });

    it("accepts any JSON payload, including null and scalars", () => {
      for (const payload of [null, 0, "text", [1, 2], false]) {
        expect(outboundRequestSchema.safeParse({ ...minimal, payload }).success).toBe(true);
      }
    });

    it.each([
      ["no payload", { toAgentDid: AGENT_DID }],
      ["no recipient", { payload: 1 }],
      ["a human recipient", { ...minimal, toAgentDid: HUMAN_DID }],
      ["an unknown priority", { ...minimal, priority: "high" }],
      ["a correlationId with spaces", { ...minimal, correlationId: "a b" }],
      ["an empty replyTo", { ...minimal, replyTo: "" }],
      ["a conversationId past 200 characters", { ...minimal, conversationId: "c".repeat(201) }],
    ])("rejects %s", (_label, body) => {
      expect(outboundRequestSchema.safeParse(body).success).toBe(false);
    });
  });

  it("bounds the Idempotency-Key to 1-200 visible ASCII characters", () => {
    expect(idempotencyKeySchema.safeParse("order-42:retry").success).toBe(true);
    for (const key of ["", "has space", "k".repeat(201), "ключ"]) {
      expect(idempotencyKeySchema.safeParse(key).success).toBe(false);
    }
  });

  it("answers 202 with a queued status only", () => {
    const accepted = { messageId: ULID_A, correlationId: ULID_A, status: "queued" };
    expect(outboundAcceptedResponseSchema.parse(accepted)).toEqual(accepted);
    expect(outboundAcceptedResponseSchema.safeParse({ ...accepted, status: "relayed" }).success).toBe(false);
  });

  it("reports every outbound state with its receipts", () => {
    expect(OUTBOUND_STATES).toEqual(["queued", "relayed", "delivered_to_webhook", "dead_lettered"]);
    const status = {
      messageId: ULID_A,
      correlationId: "c",
      toAgentDid: AGENT_DID,
      priority: "normal",
      status: "dead_lettered",
      attempts: 3,
      createdAt: ISO_NOW,
      relayedAt: ISO_NOW,
      receipts: [{ status: "dead_lettered", reason: "webhook_rejected", at: ISO_NOW }],
    };
    expect(outboundStatusResponseSchema.parse(status)).toEqual(status);
    expect(outboundStatusResponseSchema.safeParse({ ...status, status: "sent" }).success).toBe(false);
    expect(
      outboundStatusResponseSchema.safeParse({ ...status, receipts: [{ status: "x", at: ISO_NOW }] }).success,
    ).toBe(false);
  });
});
