import { describe, expect, it } from "vitest";
import {
  DELIVERY_CONTENT_TYPE,
  deliveryWebhookBodySchema,
  NOTICE_CODES,
  noticeWebhookBodySchema,
  pingWebhookBodySchema,
  receiptWebhookBodySchema,
  webhookBodySchema,
} from "../src/index";
import { AGENT_DID, HUMAN_DID, ISO_NOW, OTHER_AGENT_DID, ULID_A, without } from "./fixtures";

const delivery = {
  type: "clawdentity.delivery.v1",
  requestId: ULID_A,
  messageId: ULID_A,
  correlationId: "corr-1",
  fromAgentDid: AGENT_DID,
  toAgentDid: OTHER_AGENT_DID,
  payload: { text: "hi" },
  conversationId: "conv-1",
  replyTo: ULID_A,
  priority: "normal",
  receivedAt: ISO_NOW,
} as const;

const receipt = {
  type: "clawdentity.receipt.v1",
  messageId: ULID_A,
  correlationId: "corr-1",
  toAgentDid: OTHER_AGENT_DID,
  status: "dead_lettered",
  reason: "expired",
  at: ISO_NOW,
} as const;

describe("delivery webhook bodies", () => {
  it("use the vendor content type", () => {
    expect(DELIVERY_CONTENT_TYPE).toBe("application/vnd.clawdentity.delivery+json");
  });

  it("accept a delivery and a receipt, told apart by type", () => {
    expect(deliveryWebhookBodySchema.parse(delivery)).toEqual(delivery);
    expect(receiptWebhookBodySchema.parse(receipt)).toEqual(receipt);
    expect(webhookBodySchema.parse(delivery).type).toBe("clawdentity.delivery.v1");
    expect(webhookBodySchema.parse(receipt).type).toBe("clawdentity.receipt.v1");
  });

  it("make conversationId, replyTo and the receipt reason optional", () => {
    expect(deliveryWebhookBodySchema.safeParse(without(without(delivery, "conversationId"), "replyTo")).success).toBe(
      true,
    );
    expect(
      receiptWebhookBodySchema.safeParse({ ...without(receipt, "reason"), status: "delivered_to_webhook" }).success,
    ).toBe(true);
  });

  it("reject an unknown body type", () => {
    expect(webhookBodySchema.safeParse({ ...delivery, type: "clawdentity.delivery.v2" }).success).toBe(false);
  });

  it.each(["requestId", "messageId", "correlationId", "fromAgentDid", "toAgentDid", "priority", "receivedAt"] as const)(
    "reject a delivery without %s",
    (field) => {
      expect(deliveryWebhookBodySchema.safeParse(without(delivery, field)).success).toBe(false);
    },
  );

  it.each(["messageId", "correlationId", "toAgentDid", "status", "at"] as const)(
    "reject a receipt without %s",
    (field) => {
      expect(receiptWebhookBodySchema.safeParse(without(receipt, field)).success).toBe(false);
    },
  );

  it.each([
    ["a human sender", { fromAgentDid: HUMAN_DID }],
    ["an unknown priority", { priority: "urgent" }],
    ["a non-ISO receivedAt", { receivedAt: "now" }],
  ])("reject a delivery with %s", (_label, patch) => {
    expect(deliveryWebhookBodySchema.safeParse({ ...delivery, ...patch }).success).toBe(false);
  });
});

describe("notice webhook bodies", () => {
  const notice = {
    type: "clawdentity.notice.v1",
    noticeId: ULID_A,
    agentDid: AGENT_DID,
    code: NOTICE_CODES.renewalFailed,
    message: "renewal refused",
    at: ISO_NOW,
    aitExpiresAt: ISO_NOW,
    errorCode: "REGISTRY_RENEWAL_DISABLED",
    retryAt: ISO_NOW,
  } as const;

  it("accept a notice, also without its optional fields, and tell it apart by type", () => {
    expect(noticeWebhookBodySchema.parse(notice)).toEqual(notice);
    const minimal = { type: notice.type, noticeId: ULID_A, agentDid: AGENT_DID, code: "x", message: "m", at: ISO_NOW };
    expect(noticeWebhookBodySchema.parse(minimal)).toEqual(minimal);
    expect(webhookBodySchema.parse(notice).type).toBe("clawdentity.notice.v1");
  });

  it("keep the code an open lower-case token", () => {
    expect(noticeWebhookBodySchema.safeParse({ ...notice, code: "future_code" }).success).toBe(true);
    expect(noticeWebhookBodySchema.safeParse({ ...notice, code: "Upper" }).success).toBe(false);
    expect(noticeWebhookBodySchema.safeParse({ ...notice, agentDid: HUMAN_DID }).success).toBe(false);
  });
});

describe("ping webhook bodies", () => {
  const ping = { type: "clawdentity.ping.v1", pingId: ULID_A, agentDid: AGENT_DID, at: ISO_NOW } as const;

  it("are a webhook body of their own that names the agent", () => {
    expect(webhookBodySchema.parse(ping)).toEqual(ping);
    expect(pingWebhookBodySchema.safeParse({ ...ping, agentDid: HUMAN_DID }).success).toBe(false);
    expect(pingWebhookBodySchema.safeParse(without(ping, "pingId")).success).toBe(false);
  });
});
