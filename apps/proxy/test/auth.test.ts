import { RELAY_PATHS } from "@clawdentity/protocol";
import { generateEd25519KeyPair } from "@clawdentity/sdk";
import { describe, expect, it } from "vitest";
import { expectError } from "./support/expect-error";
import { TEST_RETIRED_KID, TEST_RETIRED_SEED } from "./support/registry-fixture";
import { createTestAgent } from "./support/test-agents";
import { createTestProxy } from "./support/test-proxy";

const PATH = RELAY_PATHS.relayMetrics;

describe("request authentication", () => {
  it("passes a valid signed request", async () => {
    const proxy = createTestProxy();
    const agent = await createTestAgent(proxy.clock);
    const response = await proxy.send(agent, PATH);
    expect(response.status).toBe(200);
    expect(response.headers.get("x-request-id")).toBeTruthy();
  });

  it("refuses a request without Authorization", async () => {
    const proxy = createTestProxy();
    await expectError(
      await proxy.fetch(new Request(`https://proxy.test${PATH}`)),
      401,
      "PROXY_AUTH_MISSING_AUTHORIZATION",
    );
  });

  it("refuses a request missing a Claw header", async () => {
    const proxy = createTestProxy();
    const agent = await createTestAgent(proxy.clock);
    const request = await proxy.signed(agent, PATH);
    request.headers.delete("x-claw-nonce");
    await expectError(await proxy.fetch(request), 401, "PROXY_AUTH_MISSING_HEADER");
  });

  it("refuses a forged AIT (signed by a key that is not the registry's)", async () => {
    const proxy = createTestProxy();
    const forger = await generateEd25519KeyPair();
    const agent = await createTestAgent(proxy.clock, { registrySeed: forger.seed });
    await expectError(await proxy.send(agent, PATH), 401, "PROXY_AUTH_INVALID_AIT");
  });

  it("refuses a token that is not an AIT at all", async () => {
    const proxy = createTestProxy();
    const agent = await createTestAgent(proxy.clock);
    await expectError(await proxy.send({ ...agent, ait: "not.a.jws" }, PATH), 401, "PROXY_AUTH_INVALID_AIT");
  });

  it("refuses an unknown kid after exactly one refetch of the registry keys", async () => {
    const proxy = createTestProxy();
    const known = await createTestAgent(proxy.clock);
    expect((await proxy.send(known, PATH)).status).toBe(200);
    const before = await proxy.registryStats();
    proxy.clock.advance(11_000);
    const stranger = await createTestAgent(proxy.clock, { kid: "kid-nobody-published" });
    await expectError(await proxy.send(stranger, PATH), 401, "PROXY_AUTH_UNKNOWN_KID");
    await expectError(await proxy.send(stranger, PATH), 401, "PROXY_AUTH_UNKNOWN_KID");
    expect((await proxy.registryStats()).keys - before.keys).toBe(1);
  });

  it("refuses an AIT signed with a registry key the registry retired", async () => {
    const proxy = createTestProxy();
    const agent = await createTestAgent(proxy.clock, { kid: TEST_RETIRED_KID, registrySeed: TEST_RETIRED_SEED });
    await expectError(await proxy.send(agent, PATH), 401, "PROXY_AUTH_UNKNOWN_KID");
  });

  it("refuses an expired AIT", async () => {
    const proxy = createTestProxy();
    const agent = await createTestAgent(proxy.clock, { notBeforeOffsetSeconds: -31 * 86_400 });
    await expectError(await proxy.send(agent, PATH), 401, "PROXY_AUTH_AIT_EXPIRED");
  });

  it("refuses an AIT from another issuer", async () => {
    const proxy = createTestProxy();
    const agent = await createTestAgent(proxy.clock, { issuer: "https://elsewhere.example" });
    await expectError(await proxy.send(agent, PATH), 401, "PROXY_AUTH_UNTRUSTED_ISSUER");
  });

  it("refuses a proof made with a key other than the AIT's", async () => {
    const proxy = createTestProxy();
    const agent = await createTestAgent(proxy.clock);
    const impostor = { ...agent, keyPair: await generateEd25519KeyPair() };
    await expectError(await proxy.send(impostor, PATH), 401, "PROXY_AUTH_INVALID_PROOF");
  });

  it("refuses a body that differs from the signed one", async () => {
    const proxy = createTestProxy();
    const agent = await createTestAgent(proxy.clock);
    const signed = await proxy.signed(agent, RELAY_PATHS.pairingTickets, { body: "{}" });
    const tampered = new Request(signed, { body: JSON.stringify({ ttlSeconds: 3600 }) });
    await expectError(await proxy.fetch(tampered), 401, "PROXY_AUTH_BODY_HASH_MISMATCH");
  });

  it("refuses a timestamp outside the ±300 s window", async () => {
    const proxy = createTestProxy();
    const agent = await createTestAgent(proxy.clock);
    const timestampSeconds = Math.floor(proxy.clock.nowMs() / 1000) - 301;
    await expectError(await proxy.send(agent, PATH, { timestampSeconds }), 401, "PROXY_AUTH_TIMESTAMP_SKEW");
  });

  it("accepts a nonce once", async () => {
    const proxy = createTestProxy();
    const agent = await createTestAgent(proxy.clock);
    const request = await proxy.signed(agent, PATH);
    const replay = request.clone();
    expect((await proxy.fetch(request)).status).toBe(200);
    await expectError(await proxy.fetch(replay), 401, "PROXY_AUTH_REPLAYED_NONCE");
  });

  it("refuses a replay in the last second of the timestamp window (nonce kept as long as the request is acceptable)", async () => {
    const proxy = createTestProxy();
    const agent = await createTestAgent(proxy.clock);
    const timestampSeconds = Math.floor(proxy.clock.nowMs() / 1000);
    const request = await proxy.signed(agent, PATH, { timestampSeconds });
    const replay = request.clone();
    const late = request.clone();
    expect((await proxy.fetch(request)).status).toBe(200);
    // Whole seconds: at ts + 300.5 s the timestamp is still inside the ±300 s window.
    proxy.clock.advance(timestampSeconds * 1000 + 300_500 - proxy.clock.nowMs());
    await expectError(await proxy.fetch(replay), 401, "PROXY_AUTH_REPLAYED_NONCE");
    // One second later the timestamp itself is refused.
    proxy.clock.advance(1_000);
    await expectError(await proxy.fetch(late), 401, "PROXY_AUTH_TIMESTAMP_SKEW");
  });

  it("refuses a replayed nonce on another app instance too", async () => {
    const proxy = createTestProxy();
    const otherInstance = proxy.createTwin();
    const agent = await createTestAgent(proxy.clock);
    const request = await proxy.signed(agent, PATH);
    const replay = request.clone();
    expect((await proxy.fetch(request)).status).toBe(200);
    await expectError(await otherInstance(replay), 401, "PROXY_AUTH_REPLAYED_NONCE");
  });

  it("lets the same nonce from another agent through (nonces are per agent)", async () => {
    const proxy = createTestProxy();
    const [first, second] = [await createTestAgent(proxy.clock), await createTestAgent(proxy.clock)];
    const nonce = "shared-nonce-0001";
    expect((await proxy.send(first, PATH, { nonce })).status).toBe(200);
    expect((await proxy.send(second, PATH, { nonce })).status).toBe(200);
  });

  it("refuses a revoked agent on every instance", async () => {
    const proxy = createTestProxy();
    const otherInstance = proxy.createTwin();
    const agent = await createTestAgent(proxy.clock);
    expect((await proxy.send(agent, PATH)).status).toBe(200);
    await proxy.session(agent.did).revoke({ scope: "agent", reason: "agent_revoked" });
    await expectError(await proxy.send(agent, PATH), 401, "PROXY_AUTH_AGENT_REVOKED");
    await expectError(await otherInstance(await proxy.signed(agent, PATH)), 401, "PROXY_AUTH_AGENT_REVOKED");
  });

  it("refuses only the revoked AIT after a reissue", async () => {
    const proxy = createTestProxy();
    const original = await createTestAgent(proxy.clock);
    expect((await proxy.send(original, PATH)).status).toBe(200);
    await proxy.session(original.did).revoke({ scope: "jti", jti: original.jti, reason: "reissued" });
    const reissued = await createTestAgent(proxy.clock, { reissueOf: original });
    await expectError(await proxy.send(original, PATH), 401, "PROXY_AUTH_AGENT_REVOKED");
    expect((await proxy.send(reissued, PATH)).status).toBe(200);
  });

  it("refuses an AIT the registry's signed CRL lists, once the cached list refreshes", async () => {
    const proxy = createTestProxy();
    const agent = await createTestAgent(proxy.clock);
    expect((await proxy.send(agent, PATH)).status).toBe(200);
    await proxy.revokeAtRegistry(agent);
    proxy.clock.advance(61_000);
    await expectError(await proxy.send(agent, PATH), 401, "PROXY_AUTH_AGENT_REVOKED");
  });

  it("calls the registry once per cache lifetime, not per request", async () => {
    const proxy = createTestProxy();
    const agent = await createTestAgent(proxy.clock);
    const before = await proxy.registryStats();
    for (let index = 0; index < 5; index++) expect((await proxy.send(agent, PATH)).status).toBe(200);
    const after = await proxy.registryStats();
    expect({ keys: after.keys - before.keys, crl: after.crl - before.crl }).toEqual({ keys: 1, crl: 1 });
  });

  describe("the body is read only after the cheap checks, and never past the limit", () => {
    /** A chunked body (no Content-Length) of `chunks` × 64 KiB that counts how much of it was pulled. */
    const countingBody = (chunks: number) => {
      let pulled = 0;
      let sent = 0;
      const stream = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (sent === chunks) return controller.close();
          sent++;
          pulled += 65_536;
          controller.enqueue(new Uint8Array(65_536).fill(0x20));
        },
      });
      return { stream, pulled: () => pulled };
    };
    const post = (headers: Record<string, string>, body: ReadableStream<Uint8Array>) =>
      new Request(`https://proxy.test${RELAY_PATHS.messages}`, {
        method: "POST",
        headers: { "content-type": "application/json", ...headers },
        body,
        // @ts-expect-error workerd's RequestInit takes `duplex` for a streamed body.
        duplex: "half",
      });

    it("refuses an unauthenticated 24 MiB chunked POST without reading its body", async () => {
      const proxy = createTestProxy();
      const body = countingBody(384);
      await expectError(await proxy.fetch(post({}, body.stream)), 401, "PROXY_AUTH_MISSING_AUTHORIZATION");
      expect(body.pulled()).toBeLessThanOrEqual(65_536);
    });

    it("refuses a request with a malformed AIT or a stale timestamp before reading its body", async () => {
      const proxy = createTestProxy();
      const agent = await createTestAgent(proxy.clock);
      const signed = await proxy.signed(agent, RELAY_PATHS.messages, { body: "{}" });
      const headers = Object.fromEntries(signed.headers);
      const garbage = countingBody(384);
      await expectError(
        await proxy.fetch(post({ ...headers, authorization: "Claw not-a-jws" }, garbage.stream)),
        401,
        "PROXY_AUTH_INVALID_AIT",
      );
      expect(garbage.pulled()).toBeLessThanOrEqual(65_536);
      const stale = countingBody(384);
      const oldSeconds = String(Math.floor(proxy.clock.nowMs() / 1000) - 3_600);
      await expectError(
        await proxy.fetch(post({ ...headers, "x-claw-timestamp": oldSeconds }, stale.stream)),
        401,
        "PROXY_AUTH_TIMESTAMP_SKEW",
      );
      expect(stale.pulled()).toBeLessThanOrEqual(65_536);
    });

    it("stops reading a chunked body at the payload limit with 413", async () => {
      const proxy = createTestProxy();
      const agent = await createTestAgent(proxy.clock);
      const signed = await proxy.signed(agent, RELAY_PATHS.messages, { body: "{}" });
      const body = countingBody(384);
      await expectError(
        await proxy.fetch(post(Object.fromEntries(signed.headers), body.stream)),
        413,
        "PROXY_PAYLOAD_TOO_LARGE",
      );
      // The limit is 256 KiB: at most one chunk past it was pulled, never the 24 MiB.
      expect(body.pulled()).toBeLessThanOrEqual(256 * 1024 + 2 * 65_536);
    });
  });
});
