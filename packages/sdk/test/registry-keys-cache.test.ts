import type { RegistryKey, RegistryKeysDocument } from "@clawdentity/protocol";
import { describe, expect, it } from "vitest";
import { createRegistryKeysCache } from "../src/index";
import { toRejectionReason } from "./fixtures";
import vectors from "./vectors/claw-proof-v1.json";

const key = (kid: string, status: RegistryKey["status"] = "active"): RegistryKey => ({
  kid,
  alg: "EdDSA",
  crv: "Ed25519",
  x: vectors.publicKey,
  status,
});

/** A registry whose key list and availability the test changes, counting fetches. */
function createFakeRegistry(initial: RegistryKey[]) {
  const state = { keys: initial, down: false, fetches: 0, nowMs: 0 };
  const fetchKeys = async (): Promise<RegistryKeysDocument> => {
    state.fetches++;
    if (state.down) throw new Error("registry unreachable");
    return { keys: state.keys };
  };
  const cache = createRegistryKeysCache({
    fetchKeys,
    ttlMs: 60_000,
    minRefetchIntervalMs: 10_000,
    now: () => state.nowMs,
  });
  return { state, cache };
}

describe("createRegistryKeysCache", () => {
  it("fetches once and serves from cache within the TTL", async () => {
    const { state, cache } = createFakeRegistry([key("k1")]);
    expect(await cache.resolveKey("k1")).toBe(vectors.publicKey);
    state.nowMs = 59_000;
    expect(await cache.resolveKey("k1")).toBe(vectors.publicKey);
    expect(state.fetches).toBe(1);
  });

  it("fetches again once the TTL has passed", async () => {
    const { state, cache } = createFakeRegistry([key("k1")]);
    await cache.resolveKey("k1");
    state.nowMs = 60_001;
    await cache.resolveKey("k1");
    expect(state.fetches).toBe(2);
  });

  it("refetches once on an unknown kid and finds a key rotated in", async () => {
    const { state, cache } = createFakeRegistry([key("k1")]);
    await cache.resolveKey("k1");
    state.keys = [key("k1"), key("k2")];
    state.nowMs = 10_000;
    expect(await cache.resolveKey("k2")).toBe(vectors.publicKey);
    expect(state.fetches).toBe(2);
  });

  it("rate-limits refetches for unknown kids", async () => {
    const { state, cache } = createFakeRegistry([key("k1")]);
    await cache.resolveKey("k1");
    state.nowMs = 10_000;
    expect(await toRejectionReason(cache.resolveKey("forged-1"))).toBe("UNKNOWN_KID");
    expect(await toRejectionReason(cache.resolveKey("forged-2"))).toBe("UNKNOWN_KID");
    state.nowMs = 19_999;
    expect(await toRejectionReason(cache.resolveKey("forged-3"))).toBe("UNKNOWN_KID");
    expect(state.fetches).toBe(2);
    state.nowMs = 20_000;
    expect(await toRejectionReason(cache.resolveKey("forged-4"))).toBe("UNKNOWN_KID");
    expect(state.fetches).toBe(3);
  });

  it("shares one fetch between concurrent callers", async () => {
    const { state, cache } = createFakeRegistry([key("k1")]);
    const results = await Promise.all([cache.resolveKey("k1"), cache.resolveKey("k1"), cache.resolveKey("k1")]);
    expect(results).toEqual([vectors.publicKey, vectors.publicKey, vectors.publicKey]);
    expect(state.fetches).toBe(1);
  });

  it("does not trust revoked keys, and drops a key once it is revoked", async () => {
    const { state, cache } = createFakeRegistry([key("k1"), key("k0", "revoked")]);
    expect(await toRejectionReason(cache.resolveKey("k0"))).toBe("UNKNOWN_KID");
    expect(await cache.resolveKey("k1")).toBe(vectors.publicKey);
    state.keys = [key("k1", "revoked")];
    state.nowMs = 60_001;
    expect(await toRejectionReason(cache.resolveKey("k1"))).toBe("UNKNOWN_KID");
  });

  it("turns a failed first fetch into KEYS_UNAVAILABLE", async () => {
    const { state, cache } = createFakeRegistry([key("k1")]);
    state.down = true;
    expect(await toRejectionReason(cache.resolveKey("k1"))).toBe("KEYS_UNAVAILABLE");
  });

  it("turns a malformed keys document into KEYS_UNAVAILABLE", async () => {
    const cache = createRegistryKeysCache({
      fetchKeys: async () => ({ keys: [{ ...key("k1"), x: "short" }] }),
    });
    expect(await toRejectionReason(cache.resolveKey("k1"))).toBe("KEYS_UNAVAILABLE");
  });

  it("recovers from a fetch that throws synchronously", async () => {
    let fail = true;
    const cache = createRegistryKeysCache({
      fetchKeys: () => {
        if (fail) throw new Error("boom");
        return Promise.resolve({ keys: [key("k1")] });
      },
      minRefetchIntervalMs: 0,
    });
    expect(await toRejectionReason(cache.resolveKey("k1"))).toBe("KEYS_UNAVAILABLE");
    fail = false;
    expect(await cache.resolveKey("k1")).toBe(vectors.publicKey);
  });

  it("keeps serving known keys past the TTL while the registry is down", async () => {
    const { state, cache } = createFakeRegistry([key("k1")]);
    await cache.resolveKey("k1");
    state.down = true;
    state.nowMs = 60_001;
    expect(await cache.resolveKey("k1")).toBe(vectors.publicKey);
    expect(await toRejectionReason(cache.resolveKey("k9"))).toBe("KEYS_UNAVAILABLE");
  });

  it("does not retry a failed fetch before the refetch interval, then recovers", async () => {
    const { state, cache } = createFakeRegistry([key("k1")]);
    state.down = true;
    expect(await toRejectionReason(cache.resolveKey("k1"))).toBe("KEYS_UNAVAILABLE");
    state.nowMs = 5_000;
    expect(await toRejectionReason(cache.resolveKey("k1"))).toBe("KEYS_UNAVAILABLE");
    expect(state.fetches).toBe(1);
    state.down = false;
    state.nowMs = 10_000;
    expect(await cache.resolveKey("k1")).toBe(vectors.publicKey);
    expect(state.fetches).toBe(2);
  });
});
