import { describe, expect, it } from "vitest";
import { ZodError } from "zod";
import { parseRelayMessageHeaders } from "../src/index";
import { AGENT_DID, HUMAN_DID, ULID_A } from "./fixtures";

const required = { "X-Claw-Recipient-Agent-Did": AGENT_DID, "X-Claw-Message-Id": ULID_A };

describe("parseRelayMessageHeaders", () => {
  it("reads the required headers and leaves the optional ones undefined", () => {
    const parsed = parseRelayMessageHeaders(new Headers(required));
    expect(parsed.recipientAgentDid).toBe(AGENT_DID);
    expect(parsed.messageId).toBe(ULID_A);
    expect(parsed.correlationId).toBeUndefined();
    expect(parsed.priority).toBeUndefined();
  });

  it("reads every optional header", () => {
    const traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    const parsed = parseRelayMessageHeaders(
      new Headers({
        ...required,
        "X-Claw-Correlation-Id": "corr-1",
        "X-Claw-Priority": "critical",
        "X-Claw-Conversation-Id": "conv-1",
        "X-Claw-Reply-To": ULID_A,
        traceparent,
      }),
    );
    expect(parsed).toEqual({
      recipientAgentDid: AGENT_DID,
      messageId: ULID_A,
      correlationId: "corr-1",
      priority: "critical",
      conversationId: "conv-1",
      replyTo: ULID_A,
      traceparent,
    });
  });

  it.each([
    ["no recipient", { "X-Claw-Message-Id": ULID_A }, "x-claw-recipient-agent-did"],
    ["no message id", { "X-Claw-Recipient-Agent-Did": AGENT_DID }, "x-claw-message-id"],
    ["a human recipient", { ...required, "X-Claw-Recipient-Agent-Did": HUMAN_DID }, "x-claw-recipient-agent-did"],
    ["a non-ULID message id", { ...required, "X-Claw-Message-Id": "m-1" }, "x-claw-message-id"],
    ["an unknown priority", { ...required, "X-Claw-Priority": "urgent" }, "x-claw-priority"],
    ["a correlation id with a space", { ...required, "X-Claw-Correlation-Id": "a b" }, "x-claw-correlation-id"],
    ["an oversized traceparent", { ...required, traceparent: "0".repeat(513) }, "traceparent"],
  ])("refuses %s with a ZodError naming the header", (_label, headers, header) => {
    let caught: unknown;
    try {
      parseRelayMessageHeaders(new Headers(headers));
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ZodError);
    expect((caught as ZodError).issues.map((issue) => issue.path.join("."))).toContain(header);
  });
});
