import type { CrlClaims } from "@clawdentity/protocol";
import { describe, expect, it } from "vitest";
import { type CrlFailMode, createCrlCache } from "../src/index";
import { AGENT_DID, toRejectionReason } from "./fixtures";

const REVOKED_JTI = "01JGQ8Z9ZQ0000000000000002";
const OTHER_JTI = "01JGQ8Z9ZQ0000000000000003";

const list = (jtis: string[]): CrlClaims => ({
  iss: "https://registry.example.com",
  jti: "01JGQ8Z9ZQ0000000000000009",
  iat: 1,
  exp: 2,
  revocations: jtis.map((jti) => ({ jti, agentDid: AGENT_DID, revokedAt: 1 })),
});

/** A registry whose list and availability the test changes, counting fetches. */
function createFakeCrl(failMode: CrlFailMode) {
  const state = { jtis: [REVOKED_JTI], down: false, fetches: 0, nowMs: 0 };
  const cache = createCrlCache({
    fetchCrl: async () => {
      state.fetches++;
      if (state.down) throw new Error("registry unreachable");
      return list(state.jtis);
    },
    refreshIntervalMs: 60_000,
    maxAgeMs: 300_000,
    failMode,
    now: () => state.nowMs,
  });
  return { state, cache };
}

describe("createCrlCache", () => {
  it("loads on first use and answers from the list", async () => {
    const { state, cache } = createFakeCrl("closed");
    expect(await cache.isRevoked(REVOKED_JTI)).toBe(true);
    expect(await cache.isRevoked(OTHER_JTI)).toBe(false);
    expect(await cache.findRevocation(REVOKED_JTI)).toMatchObject({ jti: REVOKED_JTI });
    expect(await cache.findRevocation(OTHER_JTI)).toBeNull();
    expect(state.fetches).toBe(1);
  });

  it("refreshes only after the refresh interval", async () => {
    const { state, cache } = createFakeCrl("closed");
    await cache.isRevoked(OTHER_JTI);
    state.jtis = [REVOKED_JTI, OTHER_JTI];
    state.nowMs = 60_000;
    expect(await cache.isRevoked(OTHER_JTI)).toBe(false);
    expect(state.fetches).toBe(1);
    state.nowMs = 60_001;
    expect(await cache.isRevoked(OTHER_JTI)).toBe(true);
    expect(state.fetches).toBe(2);
  });

  it("makes callers that arrive during the first load wait for it", async () => {
    const { state, cache } = createFakeCrl("closed");
    const answers = await Promise.all([cache.isRevoked(REVOKED_JTI), cache.isRevoked(REVOKED_JTI)]);
    expect(answers).toEqual([true, true]);
    expect(state.fetches).toBe(1);
  });

  it("refresh() loads on demand", async () => {
    const { state, cache } = createFakeCrl("closed");
    await cache.refresh();
    state.jtis = [];
    await cache.refresh();
    expect(await cache.isRevoked(REVOKED_JTI)).toBe(false);
    expect(state.fetches).toBe(2);
  });

  it("does not retry a failed refresh before the next interval", async () => {
    const { state, cache } = createFakeCrl("open");
    await cache.isRevoked(OTHER_JTI);
    state.down = true;
    state.nowMs = 60_001;
    expect(await cache.isRevoked(REVOKED_JTI)).toBe(true);
    expect(state.fetches).toBe(2);
    state.nowMs = 120_001;
    await cache.isRevoked(REVOKED_JTI);
    expect(state.fetches).toBe(2);
    state.nowMs = 120_002;
    await cache.isRevoked(REVOKED_JTI);
    expect(state.fetches).toBe(3);
  });

  it("fail-open keeps answering from the last list past maxAge", async () => {
    const { state, cache } = createFakeCrl("open");
    await cache.isRevoked(OTHER_JTI);
    state.down = true;
    state.nowMs = 300_001;
    expect(await cache.isRevoked(REVOKED_JTI)).toBe(true);
    expect(await cache.isRevoked(OTHER_JTI)).toBe(false);
  });

  it("fail-closed refuses with CRL_UNAVAILABLE past maxAge, and recovers once a refresh succeeds", async () => {
    const { state, cache } = createFakeCrl("closed");
    await cache.isRevoked(OTHER_JTI);
    state.down = true;
    state.nowMs = 300_000;
    expect(await cache.isRevoked(OTHER_JTI)).toBe(false);
    state.nowMs = 300_001;
    expect(await toRejectionReason(cache.isRevoked(OTHER_JTI))).toBe("CRL_UNAVAILABLE");
    state.down = false;
    state.nowMs = 400_000;
    expect(await cache.isRevoked(OTHER_JTI)).toBe(false);
  });

  it("without any list, fails closed at once but fails open with nothing revoked", async () => {
    const closed = createFakeCrl("closed");
    closed.state.down = true;
    expect(await toRejectionReason(closed.cache.isRevoked(REVOKED_JTI))).toBe("CRL_UNAVAILABLE");
    const open = createFakeCrl("open");
    open.state.down = true;
    expect(await open.cache.isRevoked(REVOKED_JTI)).toBe(false);
  });

  it("rejects refresh() when the fetch fails", async () => {
    const { state, cache } = createFakeCrl("open");
    state.down = true;
    await expect(cache.refresh()).rejects.toThrow("registry unreachable");
  });
});
