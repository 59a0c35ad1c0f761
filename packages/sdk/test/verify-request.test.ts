import { beforeAll, describe, expect, it } from "vitest";
import { createMemoryNonceStore, type Ed25519KeyPair, generateEd25519KeyPair, precheckClawRequest } from "../src/index";
import {
  createSignedRequest,
  createTestRegistry,
  NOW_SECONDS,
  type SignedTestRequest,
  type TestRegistry,
  toVerifyOutcome,
} from "./fixtures";

let registry: TestRegistry;
let agent: Ed25519KeyPair;
let ait: string;

beforeAll(async () => {
  registry = await createTestRegistry();
  agent = await generateEd25519KeyPair();
  ait = await registry.issueAit(agent.publicKey);
});

const signed = (overrides: { timestampSeconds?: number; nonce?: string } = {}) =>
  createSignedRequest({ ait, privateKey: agent.privateKey, ...overrides });

const outcome = (request: SignedTestRequest, nowSeconds = NOW_SECONDS) =>
  toVerifyOutcome(request, { keys: registry.keys, nowSeconds });

function withHeaders(request: SignedTestRequest, patch: Record<string, string | null>): SignedTestRequest {
  const headers = { ...request.headers };
  for (const [name, value] of Object.entries(patch)) {
    if (value === null) delete headers[name];
    else headers[name] = value;
  }
  return { ...request, headers };
}

describe("verifyClawRequest: headers", () => {
  it("accepts a request signed by the AIT's key and returns its claims", async () => {
    expect(await outcome(await signed())).toBe("accepted");
  });

  it("refuses a missing Authorization with MISSING_AUTHORIZATION", async () => {
    expect(await outcome(withHeaders(await signed(), { Authorization: null }))).toBe("MISSING_AUTHORIZATION");
  });

  it.each([
    ["another scheme", `Bearer TOKEN`],
    ["a lower-case scheme", "claw TOKEN"],
    ["no token", "Claw"],
    ["two tokens", "Claw TOKEN other"],
  ])("refuses %s with INVALID_SCHEME", async (_label, value) => {
    const request = await signed();
    const authorization = value.replace("TOKEN", ait);
    expect(await outcome(withHeaders(request, { Authorization: authorization }))).toBe("INVALID_SCHEME");
  });

  it.each([
    ["two segments", "aaa.bbb"],
    ["an empty signature", "aaa.bbb."],
    ["characters outside base64url", "aaa.b+b.ccc"],
  ])("refuses an AIT with %s with INVALID_AIT before any key lookup", async (_label, token) => {
    expect(await outcome(withHeaders(await signed(), { Authorization: `Claw ${token}` }))).toBe("INVALID_AIT");
    expect(() => precheckClawRequest({ headers: new Headers(), nowSeconds: NOW_SECONDS })).toThrow(
      /Authorization header is required/,
    );
  });

  it.each(["X-Claw-Timestamp", "X-Claw-Nonce", "X-Claw-Body-SHA256", "X-Claw-Proof"])(
    "refuses a request without %s with MISSING_HEADER",
    async (header) => {
      expect(await outcome(withHeaders(await signed(), { [header]: null }))).toBe("MISSING_HEADER");
      expect(await outcome(withHeaders(await signed(), { [header]: "" }))).toBe("MISSING_HEADER");
    },
  );

  it.each(["abc", "1767225600.5", "-1767225600", "1e9", "1767225600000000"])(
    "refuses the timestamp %j with INVALID_TIMESTAMP",
    async (timestamp) => {
      expect(await outcome(withHeaders(await signed(), { "X-Claw-Timestamp": timestamp }))).toBe("INVALID_TIMESTAMP");
    },
  );

  it("refuses a nonce longer than 128 characters with INVALID_NONCE", async () => {
    expect(await outcome(await signed({ nonce: "n".repeat(129) }))).toBe("INVALID_NONCE");
    expect(await outcome(await signed({ nonce: "n".repeat(128) }))).toBe("accepted");
  });
});

describe("verifyClawRequest: clock skew", () => {
  it("accepts a timestamp exactly 300 s away on either side", async () => {
    expect(await outcome(await signed({ timestampSeconds: NOW_SECONDS - 300 }))).toBe("accepted");
    expect(await outcome(await signed({ timestampSeconds: NOW_SECONDS + 300 }))).toBe("accepted");
  });

  it("refuses a timestamp 301 s in the past or future with TIMESTAMP_SKEW", async () => {
    expect(await outcome(await signed({ timestampSeconds: NOW_SECONDS - 301 }))).toBe("TIMESTAMP_SKEW");
    expect(await outcome(await signed({ timestampSeconds: NOW_SECONDS + 301 }))).toBe("TIMESTAMP_SKEW");
  });

  it("honours a narrower maxSkewSeconds", async () => {
    const request = await signed({ timestampSeconds: NOW_SECONDS - 61 });
    expect(await toVerifyOutcome(request, { keys: registry.keys, nowSeconds: NOW_SECONDS, maxSkewSeconds: 60 })).toBe(
      "TIMESTAMP_SKEW",
    );
  });
});

describe("verifyClawRequest: nonce replay", () => {
  it("accepts a nonce once per agent and refuses the replay with REPLAYED_NONCE", async () => {
    const nonceStore = createMemoryNonceStore(() => NOW_SECONDS);
    const request = await signed({ nonce: "01JGQ8Z9ZQ00000000000000AA" });
    const options = { keys: registry.keys, nowSeconds: NOW_SECONDS, nonceStore };
    expect(await toVerifyOutcome(request, options)).toBe("accepted");
    expect(await toVerifyOutcome(request, options)).toBe("REPLAYED_NONCE");
  });

  it("lets another agent use the same nonce", async () => {
    const nonceStore = createMemoryNonceStore(() => NOW_SECONDS);
    const other = await generateEd25519KeyPair();
    const otherAit = await registry.issueAit(other.publicKey, {
      sub: "did:cdi:registry.example.com:agent:01JGQ8Z9ZQ00000000000000BB",
    });
    const options = { keys: registry.keys, nowSeconds: NOW_SECONDS, nonceStore };
    expect(await toVerifyOutcome(await signed({ nonce: "shared-nonce" }), options)).toBe("accepted");
    const fromOther = await createSignedRequest({ ait: otherAit, privateKey: other.privateKey, nonce: "shared-nonce" });
    expect(await toVerifyOutcome(fromOther, options)).toBe("accepted");
  });

  it("does not spend the nonce of a request that failed verification", async () => {
    const nonceStore = createMemoryNonceStore(() => NOW_SECONDS);
    const options = { keys: registry.keys, nowSeconds: NOW_SECONDS, nonceStore };
    const request = await signed({ nonce: "not-burnt" });
    expect(await toVerifyOutcome({ ...request, body: "tampered" }, options)).toBe("BODY_HASH_MISMATCH");
    expect(await toVerifyOutcome(request, options)).toBe("accepted");
  });
});

describe("createMemoryNonceStore", () => {
  it("forgets a nonce once its window has passed", async () => {
    let now = 1_000;
    const store = createMemoryNonceStore(() => now);
    const entry = { agentDid: "did:a", nonce: "n", expiresAtSeconds: 1_300 };
    expect(await store.checkAndRecord(entry)).toBe(true);
    now = 1_300;
    expect(await store.checkAndRecord(entry)).toBe(false);
    now = 1_301;
    expect(await store.checkAndRecord(entry)).toBe(true);
  });
});
