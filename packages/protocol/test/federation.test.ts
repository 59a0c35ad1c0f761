import { describe, expect, it } from "vitest";
import {
  eventFeedClaimsSchema,
  eventFeedQuerySchema,
  FEDERATION_MAX_BATCH_MESSAGES,
  federationMessageBatchSchema,
  federationReceiptBatchSchema,
  isProxyOrigin,
  PROXY_ERROR_CODES,
  REGISTRY_ERROR_CODES,
  registerProxyRequestSchema,
  toMessageProofString,
  toProxyCanonicalString,
} from "../src/index";
import { AGENT_DID, NOW_SECONDS, OTHER_AGENT_DID, PUBLIC_KEY_X, ULID_A } from "./fixtures";

const message = {
  messageId: ULID_A,
  senderAgentDid: AGENT_DID,
  recipientAgentDid: OTHER_AGENT_DID,
  correlationId: ULID_A,
  priority: "normal",
  ait: "a.b.c",
  proofTimestamp: NOW_SECONDS,
  proof: "c2ln",
  payload: '{"text":"hi"}',
};

describe("proxy origins", () => {
  it.each([
    ["https://proxy.example", true],
    ["https://proxy.example:8443", true],
    ["http://127.0.0.1:8787", true],
    ["http://localhost:8787", true],
    ["http://proxy.example", false],
    ["https://proxy.example/", false],
    ["https://proxy.example/v1", false],
    ["https://Proxy.example", false],
    ["not a url", false],
  ])("%s is an origin: %s", (value, expected) => {
    expect(isProxyOrigin(value)).toBe(expected);
  });

  it("registration takes an origin and a 43-character key", () => {
    expect(registerProxyRequestSchema.safeParse({ origin: "https://p.example", publicKey: PUBLIC_KEY_X }).success).toBe(
      true,
    );
    expect(registerProxyRequestSchema.safeParse({ origin: "https://p.example", publicKey: "short" }).success).toBe(
      false,
    );
  });
});

describe("canonical strings", () => {
  it("bind a proxy request to its audience, origin and kid", () => {
    const text = toProxyCanonicalString({
      method: "post",
      pathWithQuery: "/v1/federation/messages",
      audience: "https://b.example",
      origin: "https://a.example",
      kid: "kid",
      timestamp: "1700000000",
      nonce: "n",
      bodyHash: "h",
    });
    expect(text).toBe(
      "CLAW-PROXY-V1\nPOST\n/v1/federation/messages\nhttps://b.example\nhttps://a.example\nkid\n1700000000\nn\nh",
    );
  });

  it("bind a message proof to sender, recipient and messageId", () => {
    const text = toMessageProofString({
      senderDid: AGENT_DID,
      recipientDid: OTHER_AGENT_DID,
      messageId: ULID_A,
      timestamp: "1700000000",
      bodyHash: "h",
    });
    expect(text).toBe(`CLAW-MESSAGE-V1\n${AGENT_DID}\n${OTHER_AGENT_DID}\n${ULID_A}\n1700000000\nh`);
  });
});

describe("federation batches", () => {
  it("accept 1 to 50 messages", () => {
    expect(federationMessageBatchSchema.safeParse({ messages: [message] }).success).toBe(true);
    expect(federationMessageBatchSchema.safeParse({ messages: [] }).success).toBe(false);
    const tooMany = Array.from({ length: FEDERATION_MAX_BATCH_MESSAGES + 1 }, () => message);
    expect(federationMessageBatchSchema.safeParse({ messages: tooMany }).success).toBe(false);
  });

  it("refuse an unknown priority or a missing proof", () => {
    expect(federationMessageBatchSchema.safeParse({ messages: [{ ...message, priority: "urgent" }] }).success).toBe(
      false,
    );
    const { proof: _proof, ...unproved } = message;
    expect(federationMessageBatchSchema.safeParse({ messages: [unproved] }).success).toBe(false);
  });
});

describe("federation receipt batches", () => {
  const receipt = {
    messageId: ULID_A,
    correlationId: ULID_A,
    senderAgentDid: AGENT_DID,
    recipientAgentDid: OTHER_AGENT_DID,
    status: "dead_lettered",
    reason: "proxy_refused",
    at: new Date(NOW_SECONDS * 1000).toISOString(),
  };

  it("accept 1 to 50 receipts of a known status", () => {
    expect(federationReceiptBatchSchema.safeParse({ receipts: [receipt] }).success).toBe(true);
    expect(federationReceiptBatchSchema.safeParse({ receipts: [] }).success).toBe(false);
    const tooMany = Array.from({ length: FEDERATION_MAX_BATCH_MESSAGES + 1 }, () => receipt);
    expect(federationReceiptBatchSchema.safeParse({ receipts: tooMany }).success).toBe(false);
    expect(federationReceiptBatchSchema.safeParse({ receipts: [{ ...receipt, status: "read" }] }).success).toBe(false);
  });
});

describe("event feed", () => {
  it("bounds the page size and defaults the cursor", () => {
    expect(eventFeedQuerySchema.parse({})).toEqual({ cursor: "0", limit: 100 });
    expect(eventFeedQuerySchema.safeParse({ limit: "101" }).success).toBe(false);
    expect(eventFeedQuerySchema.safeParse({ cursor: "-1" }).success).toBe(false);
    expect(eventFeedQuerySchema.safeParse({ cursor: "01" }).success).toBe(false);
  });

  it("claims are strict and expire after they are issued", () => {
    const claims = {
      iss: "https://registry.example",
      iat: NOW_SECONDS,
      exp: NOW_SECONDS + 300,
      cursor: "0",
      nextCursor: "3",
      hasMore: false,
      events: [],
    };
    expect(eventFeedClaimsSchema.safeParse(claims).success).toBe(true);
    expect(eventFeedClaimsSchema.safeParse({ ...claims, exp: NOW_SECONDS }).success).toBe(false);
    expect(eventFeedClaimsSchema.safeParse({ ...claims, extra: 1 }).success).toBe(false);
  });
});

describe("federation error codes", () => {
  it("exist for every proxy auth reason at both components", () => {
    expect(PROXY_ERROR_CODES).toContain("PROXY_FEDERATION_WRONG_AUDIENCE");
    expect(PROXY_ERROR_CODES).toContain("PROXY_MESSAGE_PROOF_INVALID");
    expect(PROXY_ERROR_CODES).toContain("PROXY_RECEIPT_NOT_FORWARDED");
    expect(REGISTRY_ERROR_CODES).toContain("REGISTRY_PROXY_AUTH_PROXY_REVOKED");
  });
});
