import { describe, expect, it } from "vitest";
import { HttpCallError, parseRetryAfterMs } from "../http";
import { toCallErrorOutcome, toProxyOutcome, toReceiptOutcome, toWebhookOutcome } from "./remote-outcome";

const result = (status: number, code?: string, headers: Record<string, string> = {}) => ({
  status,
  headers: new Headers(headers),
  json: code ? { error: { code, message: "m", requestId: "r" } } : null,
});
const NOW = Date.parse("2026-01-01T00:00:00Z");

describe("toProxyOutcome", () => {
  it.each([
    [202, undefined, { kind: "accepted" }],
    [429, "PROXY_RATE_LIMITED", { kind: "throttled", retryAfterMs: 7_000 }],
    [500, "PROXY_INTERNAL", { kind: "transient", circuitFailure: true }],
    [503, undefined, { kind: "transient", circuitFailure: true }],
    [408, undefined, { kind: "transient", circuitFailure: true }],
    [507, "PROXY_QUEUE_FULL", { kind: "transient", circuitFailure: false }],
    [401, "PROXY_AUTH_REPLAYED_NONCE", { kind: "transient", circuitFailure: false }],
    [401, "PROXY_AUTH_AGENT_REVOKED", { kind: "identity_refused", code: "PROXY_AUTH_AGENT_REVOKED" }],
    [401, "PROXY_AUTH_AIT_EXPIRED", { kind: "identity_refused", code: "PROXY_AUTH_AIT_EXPIRED" }],
    [403, "PROXY_SENDER_NOT_TRUSTED", { kind: "permanent", reason: "untrusted" }],
    [403, "PROXY_RECIPIENT_REVOKED", { kind: "permanent", reason: "recipient_revoked" }],
    [404, "PROXY_RECIPIENT_NOT_FOUND", { kind: "permanent", reason: "recipient_not_found" }],
    [404, "PROXY_MESSAGE_NOT_FOUND", { kind: "permanent", reason: "recipient_not_found" }],
    [404, "PROXY_NOT_FOUND", { kind: "transient", circuitFailure: false }],
    [404, undefined, { kind: "transient", circuitFailure: false }],
    [409, "PROXY_RECEIPT_NOT_DELIVERED", { kind: "permanent", reason: "invalid_request" }],
    [413, undefined, { kind: "permanent", reason: "payload_too_large" }],
    [400, "PROXY_VALIDATION_FAILED", { kind: "permanent", reason: "invalid_request" }],
    [302, undefined, { kind: "transient", circuitFailure: true }],
  ])("HTTP %i %s", (status, code, expected) => {
    expect(toProxyOutcome(result(status, code, { "retry-after": "7" }), NOW)).toMatchObject(expected);
  });
});

describe("an identity refusal", () => {
  it("carries the revocation reason, which tells a replaced AIT from a revoked agent", () => {
    const refusal = (reason?: string) => ({
      status: 401,
      headers: new Headers(),
      json: { error: { code: "PROXY_AUTH_AGENT_REVOKED", message: "m", requestId: "r", details: { reason } } },
      jti: "01J0000000000000000000000J",
    });
    expect(toProxyOutcome(refusal("reissued"), NOW)).toMatchObject({ kind: "identity_refused", reason: "reissued" });
    expect(toProxyOutcome(refusal("agent_revoked"), NOW)).toMatchObject({ reason: "agent_revoked" });
    expect(toProxyOutcome(refusal(), NOW)).toMatchObject({ reason: null, jti: "01J0000000000000000000000J" });
  });
});

describe("toReceiptOutcome", () => {
  it.each([
    [202, undefined, { kind: "accepted" }],
    [404, "PROXY_RECEIPT_NOT_DELIVERED", { kind: "transient", circuitFailure: false }],
    [404, "PROXY_NOT_FOUND", { kind: "transient", circuitFailure: false }],
    [409, undefined, { kind: "transient", circuitFailure: false }],
    [401, "PROXY_AUTH_INVALID_SIGNATURE", { kind: "transient", circuitFailure: false }],
    [429, "PROXY_RATE_LIMITED", { kind: "throttled", retryAfterMs: 7_000 }],
    [503, undefined, { kind: "transient", circuitFailure: true }],
    [507, undefined, { kind: "transient", circuitFailure: false }],
    [400, "PROXY_VALIDATION_FAILED", { kind: "permanent", reason: "invalid_request" }],
    [403, "PROXY_RECEIPT_FORBIDDEN", { kind: "permanent", reason: "untrusted" }],
    [401, "PROXY_AUTH_AGENT_REVOKED", { kind: "identity_refused", code: "PROXY_AUTH_AGENT_REVOKED" }],
    [401, "PROXY_AUTH_AIT_EXPIRED", { kind: "identity_refused", code: "PROXY_AUTH_AIT_EXPIRED" }],
    [413, "PROXY_PAYLOAD_TOO_LARGE", { kind: "permanent", reason: "payload_too_large" }],
  ])("HTTP %i %s", (status, code, expected) => {
    expect(toReceiptOutcome(result(status, code, { "retry-after": "7" }), NOW)).toMatchObject(expected);
  });
});

describe("toWebhookOutcome", () => {
  it.each([
    [200, { kind: "accepted" }],
    [204, { kind: "accepted" }],
    [429, { kind: "throttled" }],
    [408, { kind: "transient", circuitFailure: false, retryAfterMs: 7_000 }],
    [409, { kind: "transient", circuitFailure: false }],
    [425, { kind: "transient", circuitFailure: false }],
    [400, { kind: "permanent", reason: "webhook_rejected" }],
    [410, { kind: "permanent", reason: "webhook_rejected" }],
    [413, { kind: "permanent", reason: "webhook_rejected" }],
    [415, { kind: "permanent", reason: "webhook_rejected" }],
    [422, { kind: "permanent", reason: "webhook_rejected" }],
    [401, { kind: "misconfigured", retryAfterMs: 7_000 }],
    [403, { kind: "misconfigured" }],
    [404, { kind: "misconfigured" }],
    [405, { kind: "misconfigured" }],
    [302, { kind: "misconfigured" }],
    [500, { kind: "transient", circuitFailure: true }],
    [503, { kind: "transient", circuitFailure: true, retryAfterMs: 7_000 }],
  ])("HTTP %i", (status, expected) => {
    expect(toWebhookOutcome(result(status, undefined, { "retry-after": "7" }), NOW)).toMatchObject(expected);
  });
});

describe("call errors and Retry-After", () => {
  it("maps timeouts and network errors to circuit failures and our own abort to aborted", () => {
    expect(toCallErrorOutcome(new HttpCallError("timeout", "t"))).toMatchObject({
      kind: "transient",
      circuitFailure: true,
    });
    expect(toCallErrorOutcome(new HttpCallError("network", "n"))).toMatchObject({
      kind: "transient",
      circuitFailure: true,
    });
    expect(toCallErrorOutcome(new HttpCallError("aborted", "a"))).toEqual({ kind: "aborted" });
    expect(() => toCallErrorOutcome(new TypeError("bug"))).toThrow(TypeError);
  });

  it("reads delta-seconds and HTTP dates", () => {
    expect(parseRetryAfterMs("120", NOW)).toBe(120_000);
    expect(parseRetryAfterMs("Thu, 01 Jan 2026 00:00:30 GMT", NOW)).toBe(30_000);
    expect(parseRetryAfterMs("Wed, 31 Dec 2025 00:00:00 GMT", NOW)).toBe(0);
    expect(parseRetryAfterMs("soon", NOW)).toBeNull();
    expect(parseRetryAfterMs(null, NOW)).toBeNull();
  });
});
