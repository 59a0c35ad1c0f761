import { join } from "node:path";
import { type AitClaims, NOTICE_CODES, type RelayFrame } from "@clawdentity/protocol";
import { decodeAitClaims } from "@clawdentity/sdk";
import { afterEach, describe, expect, it, vi } from "vitest";
import { type AgentIdentity, type ConnectorTuning, readIdentityFile } from "../src";
import {
  accept202,
  createDeliverFrame,
  type FakeRegistry,
  framesOfType,
  settle,
  startFakeRegistry,
  useConnectorRig,
} from "./helpers";

const rig = useConnectorRig();
let registry: FakeRegistry | undefined;

afterEach(async () => {
  await registry?.close();
  registry = undefined;
});

/** Short AITs (real time, like the fake proxy's checks), renewed at ⅔: 200 s after `iat`. */
const LIFETIME_SECONDS = 300;
const TUNING: Partial<ConnectorTuning> = { renewalRetryBaseMs: 10_000, renewalRetryMaxMs: 30_000 };

const claimsOf = (ait: string) => decodeAitClaims(ait) as AitClaims;
const status = async () => (await rig.node.api("GET", "/v1/status")).json;
const notices = () => rig.webhook.calls.filter((call) => call.body.type === "clawdentity.notice.v1");
const errorBody = (code: string) => ({ error: { code, message: code, requestId: "fake" } });

/** A connector whose identity (a fresh key, issued 10 s ago by default) renews at a fake registry. */
async function setupRenewing(options: { onFrame?: (frame: RelayFrame) => void; issuedSecondsAgo?: number } = {}) {
  const lifetimeSeconds = LIFETIME_SECONDS;
  const iat = Math.floor(Date.now() / 1000) - (options.issuedSecondsAgo ?? 10);
  const identity = await rig.ids.createIdentity({ iat, lifetimeSeconds });
  registry = await startFakeRegistry({ ids: rig.ids, lifetimeSeconds });
  await rig.setup({
    identity,
    registryUrl: registry.url,
    identityFile: true,
    supersede: true,
    tuning: TUNING,
    ...(options.onFrame ? { onFrame: options.onFrame } : {}),
  });
  const claims = claimsOf(identity.ait);
  return { identity, claims, renewAtMs: Math.round((claims.iat + (2 / 3) * lifetimeSeconds) * 1000) };
}

/** Moves the connector's clock to `atMs` (the fake clock starts at real time). */
const advanceTo = (atMs: number) => rig.node.advance(atMs - rig.node.clock.nowMs());

describe("self-renewal", () => {
  it("renews at ⅔ of the AIT's lifetime, writes identity.json, swaps the socket and signs everything after with the new AIT", async () => {
    const { identity, claims, renewAtMs } = await setupRenewing();
    const send = (payload: unknown) =>
      rig.node.api("POST", "/v1/outbound", { body: { toAgentDid: rig.ids.peer.agentDid, payload } });

    advanceTo(renewAtMs - 1_000);
    await settle();
    expect(registry?.renewals).toEqual([]);

    // A message in flight across the renewal, answered only once its AIT has been replaced.
    rig.proxy.respondMessages(() => "hold");
    const held = await send({ n: 1 });
    await vi.waitFor(() => expect(rig.proxy.messages).toHaveLength(1));

    advanceTo(renewAtMs);
    await vi.waitFor(() => expect(registry?.renewals).toHaveLength(1));
    // The call is recorded when it arrives, its new AIT once issued.
    await vi.waitFor(() => expect(registry?.renewals[0]?.ait).toBeDefined());
    const renewed = registry?.renewals[0]?.ait as string;
    const next = claimsOf(renewed);
    expect(next).toMatchObject({ sub: identity.agentDid, cnf: claims.cnf });
    expect(next.jti).not.toBe(claims.jti);
    await vi.waitFor(async () => expect((await status()).identity.jti).toBe(next.jti));
    expect(readIdentityFile(join(rig.node.dir, "identity.json"))).toEqual({ ...identity, ait: renewed });

    // The relay socket is replaced without a restart: one upgrade per AIT, one socket left open.
    await vi.waitFor(() => expect(rig.proxy.upgrades.map((upgrade) => upgrade.jti)).toEqual([claims.jti, next.jti]));
    await vi.waitFor(() => expect(rig.proxy.openSockets()).toBe(1));
    expect((await status()).socket.state).toBe("connected");

    // The held request is refused for its replaced AIT: sent again with the new one, not dead-lettered.
    rig.proxy.revokedJtis.add(claims.jti);
    rig.proxy.respondMessages(accept202);
    rig.proxy.releaseHeld({ status: 401, body: errorBody("PROXY_AUTH_AGENT_REVOKED") });
    await vi.waitFor(async () =>
      expect((await rig.node.api("GET", `/v1/outbound/${held.json.messageId}`)).json.status).toBe("relayed"),
    );
    await send({ n: 2 });
    await vi.waitFor(() => expect(rig.proxy.messages).toHaveLength(3));
    expect(rig.proxy.messages.map((request) => request.jti)).toEqual([claims.jti, next.jti, next.jti]);
    expect(rig.proxy.authFailures).toEqual([]);

    expect((await status()).identity).toMatchObject({
      state: "valid",
      expiresAt: new Date(next.exp * 1000).toISOString(),
      renewal: { enabled: true, consecutiveFailures: 0, lastRenewedAt: expect.any(String) },
    });
    const metrics = (await rig.node.api("GET", "/metrics")).text;
    expect(metrics).toContain(`clawdentity_connector_ait_expires_at_seconds ${next.exp}`);
    expect(metrics).toContain('clawdentity_connector_identity_renewals_total{outcome="renewed"} 1');
    expect(notices()).toEqual([]);
  });

  it("swaps the socket while a burst is in flight: every message stored and delivered exactly once", async () => {
    const BURST = 40;
    let acked = 0;
    const { identity, renewAtMs } = await setupRenewing({
      // After 10 acks the renewal starts, and every later ack on the old socket is lost on the way
      // (as when the relay closes it): those messages are pushed again on the new socket. The clock
      // moves by less than a lease, so no row is claimed twice for moving it.
      onFrame: (frame) => {
        if (frame.type !== "deliver_ack" || ++acked !== 10) return;
        rig.proxy.loseAcksOfOpenSockets();
        rig.node.advance(1_000);
      },
    });
    advanceTo(renewAtMs - 1_000);
    const frames = Array.from({ length: BURST }, (_, index) =>
      createDeliverFrame({ from: rig.ids.peer.agentDid, to: identity.agentDid, payload: { index } }),
    );
    rig.proxy.deliverLikeRelay(frames);

    await vi.waitFor(() => expect(rig.proxy.upgrades).toHaveLength(2), { timeout: 5_000 });
    await vi.waitFor(() => expect(rig.webhook.deliveries()).toHaveLength(BURST), { timeout: 10_000 });
    await settle(300);
    const delivered = rig.webhook.deliveries().map((call) => call.body.messageId);
    expect(new Set(delivered).size).toBe(BURST);
    expect(delivered.sort()).toEqual(frames.map((frame) => frame.id).sort());
    const acks = framesOfType(rig.proxy.frames, "deliver_ack");
    expect(acks.filter((ack) => !ack.accepted)).toEqual([]);
    expect(new Set(acks.map((ack) => ack.ackId)).size).toBe(BURST);
    expect(acks.length).toBeGreaterThan(BURST);
    expect((await status()).queues.inbox).toMatchObject({ pending: 0, delivered: BURST, deadLettered: 0 });
    expect(rig.proxy.openSockets()).toBe(1);
    // The messages stored before the swap came again on the new socket: acked, not stored twice.
    expect((await rig.node.api("GET", "/metrics")).text).toMatch(/inbound_duplicates_total ([1-9]\d*)/);
  });

  it("surfaces a failed renewal in status and with one notice, retries, and recovers", async () => {
    // Due in 5 s: the clock moves little, so the AIT renewed at real time is not due at once again.
    const { renewAtMs } = await setupRenewing({ issuedSecondsAgo: 195 });
    registry?.respond({ status: 403, body: errorBody("REGISTRY_RENEWAL_DISABLED") });

    advanceTo(renewAtMs);
    await vi.waitFor(() => expect(registry?.renewals).toHaveLength(1));
    await vi.waitFor(async () => expect((await status()).identity.renewal.consecutiveFailures).toBe(1));
    const failed = (await status()).identity;
    expect(failed).toMatchObject({
      state: "valid",
      renewal: {
        lastErrorCode: "REGISTRY_RENEWAL_DISABLED",
        lastError: expect.stringContaining("403"),
        nextAttemptAt: new Date(rig.node.clock.nowMs() + 30_000).toISOString(),
      },
    });
    await vi.waitFor(() => expect(notices()).toHaveLength(1));
    expect(notices()[0]?.body).toMatchObject({
      code: NOTICE_CODES.renewalFailed,
      errorCode: "REGISTRY_RENEWAL_DISABLED",
      retryAt: failed.renewal.nextAttemptAt,
    });

    // The same failure again is retried but not told twice.
    rig.node.advance(30_000);
    await vi.waitFor(() => expect(registry?.renewals).toHaveLength(2));
    await vi.waitFor(async () => expect((await status()).identity.renewal.consecutiveFailures).toBe(2));
    await settle();
    expect(notices()).toHaveLength(1);
    expect((await rig.node.api("GET", "/metrics")).text).toContain("clawdentity_connector_identity_renewal_failures 2");

    registry?.respond(null);
    rig.node.advance(30_000);
    await vi.waitFor(async () => expect((await status()).identity.renewal.consecutiveFailures).toBe(0));
    expect(registry?.renewals.map((call) => call.status)).toEqual([403, 403, 200]);
  });

  it("rotates its key when told to: the new AIT names the new key and the seed is kept with it", async () => {
    const identity = await rig.ids.createIdentity({
      iat: Math.floor(Date.now() / 1000) - 10,
      lifetimeSeconds: LIFETIME_SECONDS,
    });
    registry = await startFakeRegistry({ ids: rig.ids, lifetimeSeconds: LIFETIME_SECONDS });
    await rig.setup({
      identity,
      registryUrl: registry.url,
      identityFile: true,
      tuning: { ...TUNING, renewalRotatesKey: true },
    });
    advanceTo(Math.round((claimsOf(identity.ait).iat + 200) * 1000));
    await vi.waitFor(() => expect(registry?.renewals).toHaveLength(1));
    await vi.waitFor(async () =>
      expect((await status()).identity.jti).toBe(claimsOf(registry?.renewals[0]?.ait ?? "").jti),
    );
    const written: AgentIdentity = readIdentityFile(join(rig.node.dir, "identity.json"));
    expect(registry.renewals[0]?.rotated).toBe(true);
    expect(written.seed).not.toBe(identity.seed);
    expect(written.nextSeed).toBeUndefined();
    expect(claimsOf(written.ait).cnf.jwk.x).not.toBe(claimsOf(identity.ait).cnf.jwk.x);
    await vi.waitFor(() => expect(rig.proxy.upgrades.at(-1)?.jti).toBe(claimsOf(written.ait).jti));
  });

  it("renews on request through the local API, and says why when it cannot", async () => {
    const { claims } = await setupRenewing();
    const renewed = await rig.node.api("POST", "/v1/identity/renew");
    expect(renewed.status).toBe(200);
    expect(renewed.json.identity.jti).not.toBe(claims.jti);
    expect(renewed.json.identity.jti).toBe(claimsOf(registry?.renewals[0]?.ait ?? "").jti);

    registry?.respond({ status: 403, body: errorBody("REGISTRY_RENEWAL_LIFETIME_EXCEEDED") });
    const refused = await rig.node.api("POST", "/v1/identity/renew", { body: { rotateKey: true } });
    expect(refused.status).toBe(502);
    expect(refused.json.error).toMatchObject({
      code: "CONNECTOR_RENEWAL_FAILED",
      details: { registryCode: "REGISTRY_RENEWAL_LIFETIME_EXCEEDED" },
    });
    expect(registry?.renewals.at(-1)?.rotated).toBe(true);
  });

  it("cannot renew without a registry: 409, and no renewal is scheduled", async () => {
    await rig.setup();
    expect((await rig.node.api("POST", "/v1/identity/renew")).json.error.code).toBe("CONNECTOR_RENEWAL_UNAVAILABLE");
    const { identity } = await status();
    expect(identity.renewal).toEqual({ enabled: false, consecutiveFailures: 0 });
  });
});
