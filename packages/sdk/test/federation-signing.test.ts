import type { FederationMessage } from "@clawdentity/protocol";
import { beforeAll, describe, expect, it } from "vitest";
import {
  ClawAuthError,
  createMessageProof,
  type Ed25519KeyPair,
  generateEd25519KeyPair,
  hashBodySha256,
  ProxyAuthError,
  type ProxyKeyRecord,
  signEventFeed,
  signProxyRequest,
  toProxyKid,
  verifyEventFeed,
  verifyFederatedMessage,
  verifyProxyRequest,
} from "../src/index";
import { AGENT_DID, createTestRegistry, NOW_SECONDS, REGISTRY_KID, REGISTRY_URL, type TestRegistry } from "./fixtures";

const PROXY_A = "https://proxy-a.example";
const PROXY_B = "https://proxy-b.example";
const PATH = "/v1/federation/messages";
const BOB = "did:cdi:registry.example.com:agent:01JGQ8Z9ZQ0000000000000003";
const CAROL = "did:cdi:registry.example.com:agent:01JGQ8Z9ZQ0000000000000004";
const MESSAGE_ID = "01JGQ8Z9ZQ0000000000000005";

let proxyKey: Ed25519KeyPair;
let kid: string;
let registered: Map<string, ProxyKeyRecord>;

beforeAll(async () => {
  proxyKey = await generateEd25519KeyPair();
  kid = await toProxyKid(proxyKey.publicKey);
  registered = new Map([[kid, { origin: PROXY_A, publicKey: proxyKey.publicKey, status: "active" }]]);
});

async function signedBy(overrides: { audience?: string; body?: string; privateKey?: CryptoKey } = {}) {
  const body = overrides.body ?? '{"messages":[]}';
  const headers = await signProxyRequest({
    method: "POST",
    pathWithQuery: PATH,
    body,
    audience: overrides.audience ?? PROXY_B,
    origin: PROXY_A,
    kid,
    privateKey: overrides.privateKey ?? proxyKey.privateKey,
    timestampSeconds: NOW_SECONDS,
  });
  return new Headers(headers);
}

async function verify(headers: Headers, body = '{"messages":[]}', resolve = registered) {
  return verifyProxyRequest({
    method: "POST",
    pathWithQuery: PATH,
    headers,
    body,
    audience: PROXY_B,
    nowSeconds: NOW_SECONDS,
    resolveProxy: async (id) => resolve.get(id) ?? null,
  });
}

async function reasonOf(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => null,
    (caught: unknown) => caught,
  );
  if (error instanceof ProxyAuthError || error instanceof ClawAuthError) return error.reason;
  throw new Error(`expected a refusal, got ${String(error)}`);
}

describe("proxy-signed requests", () => {
  it("names the key by its RFC 7638 thumbprint", () => {
    expect(kid).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it("verify for the audience they were signed for", async () => {
    expect(await verify(await signedBy())).toEqual({ kid, origin: PROXY_A, timestampSeconds: NOW_SECONDS });
  });

  it("refuse a request signed for another proxy", async () => {
    expect(await reasonOf(verify(await signedBy({ audience: "https://proxy-c.example" })))).toBe("WRONG_AUDIENCE");
  });

  it("refuse an audience header rewritten to the receiver", async () => {
    const headers = await signedBy({ audience: "https://proxy-c.example" });
    headers.set("x-claw-audience", PROXY_B);
    expect(await reasonOf(verify(headers))).toBe("INVALID_SIGNATURE");
  });

  it("refuse a forged signature", async () => {
    const forger = await generateEd25519KeyPair();
    expect(await reasonOf(verify(await signedBy({ privateKey: forger.privateKey })))).toBe("INVALID_SIGNATURE");
  });

  it("refuse a swapped body", async () => {
    expect(await reasonOf(verify(await signedBy(), '{"messages":[1]}'))).toBe("BODY_HASH_MISMATCH");
  });

  it("refuse an unknown, revoked or other-origin key", async () => {
    const headers = await signedBy();
    expect(await reasonOf(verify(headers, undefined, new Map()))).toBe("UNKNOWN_PROXY");
    const revoked = new Map([[kid, { origin: PROXY_A, publicKey: proxyKey.publicKey, status: "revoked" as const }]]);
    expect(await reasonOf(verify(headers, undefined, revoked))).toBe("PROXY_REVOKED");
    const moved = new Map([[kid, { origin: PROXY_B, publicKey: proxyKey.publicKey, status: "active" as const }]]);
    expect(await reasonOf(verify(headers, undefined, moved))).toBe("ORIGIN_MISMATCH");
  });

  it("refuse a stale timestamp before any lookup", async () => {
    const headers = await signedBy();
    headers.set("x-claw-timestamp", String(NOW_SECONDS - 301));
    expect(await reasonOf(verify(headers, undefined, new Map()))).toBe("TIMESTAMP_SKEW");
  });

  it("refuse a missing header or another scheme", async () => {
    const headers = await signedBy();
    headers.delete("x-claw-proxy-signature");
    expect(await reasonOf(verify(headers))).toBe("MISSING_HEADER");
    const claw = await signedBy();
    claw.set("authorization", `Claw ${kid}`);
    expect(await reasonOf(verify(claw))).toBe("INVALID_SCHEME");
  });
});

describe("forwarded message proofs", () => {
  let registry: TestRegistry;
  let alice: Ed25519KeyPair;
  let message: FederationMessage;

  beforeAll(async () => {
    registry = await createTestRegistry();
    alice = await generateEd25519KeyPair();
    const payload = '{"text":"hi bob"}';
    const proof = await createMessageProof({
      senderDid: AGENT_DID,
      recipientDid: BOB,
      messageId: MESSAGE_ID,
      timestamp: String(NOW_SECONDS),
      bodyHash: await hashBodySha256(payload),
      privateKey: alice.privateKey,
    });
    message = {
      messageId: MESSAGE_ID,
      senderAgentDid: AGENT_DID,
      recipientAgentDid: BOB,
      correlationId: MESSAGE_ID,
      priority: "normal",
      ait: await registry.issueAit(alice.publicKey),
      proofTimestamp: NOW_SECONDS,
      proof,
      payload,
    };
  });

  const check = (candidate: FederationMessage, nowSeconds = NOW_SECONDS) =>
    verifyFederatedMessage({ message: candidate, keys: registry.keys, nowSeconds, issuer: REGISTRY_URL });

  it("verify end to end with the sender's AIT", async () => {
    expect((await check(message)).sub).toBe(AGENT_DID);
  });

  it("refuse the same proof replayed to another recipient", async () => {
    expect(await reasonOf(check({ ...message, recipientAgentDid: CAROL }))).toBe("INVALID_PROOF");
  });

  it("refuse another payload, messageId or sender", async () => {
    expect(await reasonOf(check({ ...message, payload: '{"text":"pay mallory"}' }))).toBe("INVALID_PROOF");
    expect(await reasonOf(check({ ...message, messageId: "01JGQ8Z9ZQ0000000000000006" }))).toBe("INVALID_PROOF");
    expect(await reasonOf(check({ ...message, senderAgentDid: CAROL }))).toBe("INVALID_PROOF");
  });

  it("refuse a proof signed by a key other than the AIT's", async () => {
    const mallory = await generateEd25519KeyPair();
    const forged = await createMessageProof({
      senderDid: AGENT_DID,
      recipientDid: BOB,
      messageId: MESSAGE_ID,
      timestamp: String(NOW_SECONDS),
      bodyHash: await hashBodySha256(message.payload),
      privateKey: mallory.privateKey,
    });
    expect(await reasonOf(check({ ...message, proof: forged }))).toBe("INVALID_PROOF");
  });

  it("accept a proof a day old at most, with an AIT valid when it was signed", async () => {
    expect((await check(message, NOW_SECONDS + 86_400)).sub).toBe(AGENT_DID);
    expect(await reasonOf(check(message, NOW_SECONDS + 86_401))).toBe("TIMESTAMP_SKEW");
    expect(await reasonOf(check(message, NOW_SECONDS - 301))).toBe("TIMESTAMP_SKEW");
  });

  it("refuse an AIT that had expired when the proof was signed", async () => {
    const expired = await registry.issueAit(alice.publicKey, { exp: NOW_SECONDS - 1 });
    expect(await reasonOf(check({ ...message, ait: expired }))).toBe("AIT_EXPIRED");
  });
});

describe("event feed pages", () => {
  it("verify with the registry keys and refuse another typ", async () => {
    const registry = await createTestRegistry();
    const claims = {
      iss: REGISTRY_URL,
      iat: NOW_SECONDS,
      exp: NOW_SECONDS + 300,
      cursor: "0",
      nextCursor: "0",
      hasMore: false,
      events: [],
    };
    const token = await signEventFeed({ claims, kid: REGISTRY_KID, privateKey: registry.signingKey.privateKey });
    expect(
      await verifyEventFeed({ token, keys: registry.keys, nowSeconds: NOW_SECONDS, issuer: REGISTRY_URL }),
    ).toEqual(claims);
    expect(await reasonOf(verifyEventFeed({ token, keys: registry.keys, nowSeconds: NOW_SECONDS + 301 }))).toBe(
      "AIT_EXPIRED",
    );
    const ait = await registry.issueAit((await generateEd25519KeyPair()).publicKey);
    expect(await reasonOf(verifyEventFeed({ token: ait, keys: registry.keys, nowSeconds: NOW_SECONDS }))).toBe(
      "INVALID_AIT",
    );
  });
});
