import type { RegistryKeysDocument } from "@clawdentity/protocol";
import { beforeAll, describe, expect, it } from "vitest";
import {
  createRegistryKeysCache,
  createVerifiedAitCache,
  type Ed25519KeyPair,
  generateEd25519KeyPair,
  type SigningKeyResolver,
} from "../src/index";
import {
  createSignedRequest,
  createTestRegistry,
  DAY_SECONDS,
  NOW_SECONDS,
  REGISTRY_KID,
  REGISTRY_URL,
  type TestRegistry,
  toVerifyOutcome,
} from "./fixtures";

let registry: TestRegistry;
let agent: Ed25519KeyPair;

beforeAll(async () => {
  registry = await createTestRegistry();
  agent = await generateEd25519KeyPair();
});

/** The test registry's keys, counting lookups: a full verification resolves the kid more than once. */
function countingKeys(keys: SigningKeyResolver = registry.keys) {
  const counter = { calls: 0 };
  const resolver: SigningKeyResolver = {
    resolveKey: (kid) => {
      counter.calls += 1;
      return keys.resolveKey(kid);
    },
  };
  return { resolver, counter };
}

const outcome = async (
  ait: string,
  options: { keys: SigningKeyResolver; cache: ReturnType<typeof createVerifiedAitCache>; nowSeconds?: number },
) => {
  const nowSeconds = options.nowSeconds ?? NOW_SECONDS;
  const request = await createSignedRequest({ ait, privateKey: agent.privateKey, timestampSeconds: nowSeconds });
  return toVerifyOutcome(request, { keys: options.keys, nowSeconds, issuer: REGISTRY_URL, aitCache: options.cache });
};

describe("createVerifiedAitCache", () => {
  it("verifies an AIT once, then answers from memory while nothing changed", async () => {
    const ait = await registry.issueAit(agent.publicKey);
    const cache = createVerifiedAitCache();
    const { resolver, counter } = countingKeys();
    expect(await outcome(ait, { keys: resolver, cache })).toBe("accepted");
    const afterFirst = counter.calls;
    expect(afterFirst).toBeGreaterThan(1);
    expect(await outcome(ait, { keys: resolver, cache })).toBe("accepted");
    // Only the check that the registry key is still published.
    expect(counter.calls - afterFirst).toBe(1);
  });

  it("still checks the request's own proof: a cached AIT does not sign for another key", async () => {
    const ait = await registry.issueAit(agent.publicKey);
    const cache = createVerifiedAitCache();
    expect(await outcome(ait, { keys: registry.keys, cache })).toBe("accepted");
    const stranger = await generateEd25519KeyPair();
    const forged = await createSignedRequest({ ait, privateKey: stranger.privateKey });
    expect(await toVerifyOutcome(forged, { keys: registry.keys, nowSeconds: NOW_SECONDS, aitCache: cache })).toBe(
      "INVALID_PROOF",
    );
  });

  it("refuses a cached AIT once it expired, as a full verification does", async () => {
    const ait = await registry.issueAit(agent.publicKey, { exp: NOW_SECONDS + 60 });
    const cache = createVerifiedAitCache();
    expect(await outcome(ait, { keys: registry.keys, cache })).toBe("accepted");
    expect(await outcome(ait, { keys: registry.keys, cache, nowSeconds: NOW_SECONDS + 60 })).toBe("AIT_EXPIRED");
  });

  it("refuses a cached AIT whose registry key was withdrawn or replaced", async () => {
    const ait = await registry.issueAit(agent.publicKey);
    const cache = createVerifiedAitCache();
    let document: RegistryKeysDocument = registry.document;
    let nowMs = NOW_SECONDS * 1000;
    const keys = createRegistryKeysCache({ fetchKeys: async () => document, now: () => nowMs, ttlMs: 1 });
    expect(await outcome(ait, { keys, cache })).toBe("accepted");

    const other = await generateEd25519KeyPair();
    document = { keys: [{ kid: REGISTRY_KID, alg: "EdDSA", crv: "Ed25519", x: other.publicKey, status: "active" }] };
    nowMs += DAY_SECONDS * 1000;
    expect(await outcome(ait, { keys, cache })).toBe("INVALID_AIT");

    document = { keys: [] };
    nowMs += DAY_SECONDS * 1000;
    expect(await outcome(ait, { keys, cache })).not.toBe("accepted");
  });

  it("keeps at most its bound: the oldest AIT is verified in full again", async () => {
    const cache = createVerifiedAitCache(2);
    const aits = await Promise.all(
      [1, 2, 3].map((n) => registry.issueAit(agent.publicKey, { jti: `01JGQ8Z9ZQ000000000000000${n}` })),
    );
    const { resolver, counter } = countingKeys();
    for (const ait of aits) expect(await outcome(ait, { keys: resolver, cache })).toBe("accepted");
    const before = counter.calls;
    expect(await outcome(aits[2] as string, { keys: resolver, cache })).toBe("accepted");
    expect(counter.calls - before).toBe(1);
    expect(await outcome(aits[0] as string, { keys: resolver, cache })).toBe("accepted");
    expect(counter.calls - before).toBeGreaterThan(2);
  });
});
