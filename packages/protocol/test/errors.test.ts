import { describe, expect, it } from "vitest";
import {
  AUTH_FAILURE_REASONS,
  CONNECTOR_ERROR_CODES,
  errorEnvelopeSchema,
  PROXY_ERROR_CODES,
  REGISTRY_ERROR_CODES,
  toErrorEnvelope,
} from "../src/index";

describe("error codes", () => {
  it("are all SCREAMING_SNAKE with their component prefix", () => {
    const cases = [
      ["REGISTRY_", REGISTRY_ERROR_CODES],
      ["PROXY_", PROXY_ERROR_CODES],
      ["CONNECTOR_", CONNECTOR_ERROR_CODES],
    ] as const;
    for (const [prefix, codes] of cases) {
      for (const code of codes) {
        expect(code.startsWith(prefix)).toBe(true);
        const envelope = toErrorEnvelope({ code, message: "m", requestId: "r" });
        expect(errorEnvelopeSchema.safeParse(envelope).success).toBe(true);
      }
      expect(new Set(codes).size).toBe(codes.length);
    }
  });

  it("give registry and proxy one auth code per failure reason", () => {
    for (const reason of AUTH_FAILURE_REASONS) {
      expect(REGISTRY_ERROR_CODES).toContain(`REGISTRY_AUTH_${reason}`);
      expect(PROXY_ERROR_CODES).toContain(`PROXY_AUTH_${reason}`);
    }
    expect(PROXY_ERROR_CODES).toContain("PROXY_AUTH_REPLAYED_NONCE");
  });
});

describe("toErrorEnvelope", () => {
  it("builds {error:{code,message,requestId}} and leaves details out when absent", () => {
    const envelope = toErrorEnvelope({ code: "PROXY_NOT_FOUND", message: "no route", requestId: "req-1" });
    expect(envelope).toEqual({ error: { code: "PROXY_NOT_FOUND", message: "no route", requestId: "req-1" } });
    expect("details" in envelope.error).toBe(false);
  });

  it("keeps details when given, even falsy ones", () => {
    const details = [{ path: "toAgentDid", message: "required" }];
    expect(
      toErrorEnvelope({ code: "CONNECTOR_VALIDATION_FAILED", message: "m", requestId: "r", details }).error.details,
    ).toEqual(details);
    expect(toErrorEnvelope({ code: "PROXY_INTERNAL", message: "m", requestId: "r", details: 0 }).error.details).toBe(0);
  });
});

describe("errorEnvelopeSchema", () => {
  const valid = { error: { code: "REGISTRY_AGENT_NOT_FOUND", message: "gone", requestId: "r1", details: { id: 1 } } };

  it("accepts the PROTOCOL.md §7 envelope", () => {
    expect(errorEnvelopeSchema.parse(valid)).toEqual(valid);
  });

  it.each([
    ["a code without component prefix", "INTERNAL"],
    ["a lower-case code", "registry_agent_not_found"],
    ["a code with a trailing underscore", "REGISTRY_"],
    ["a kebab-case code", "REGISTRY-NOT-FOUND"],
  ])("rejects %s", (_label, code) => {
    expect(errorEnvelopeSchema.safeParse({ error: { ...valid.error, code } }).success).toBe(false);
  });

  it("requires a message and a non-empty requestId", () => {
    expect(errorEnvelopeSchema.safeParse({ error: { code: "PROXY_INTERNAL", requestId: "r" } }).success).toBe(false);
    expect(
      errorEnvelopeSchema.safeParse({ error: { code: "PROXY_INTERNAL", message: "m", requestId: "" } }).success,
    ).toBe(false);
    expect(errorEnvelopeSchema.safeParse({ code: "PROXY_INTERNAL", message: "m", requestId: "r" }).success).toBe(false);
  });
});
