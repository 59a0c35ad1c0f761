import { join } from "node:path";
import { NOTICE_CODES, RELAY_CLOSE_CODES } from "@clawdentity/protocol";
import { decodeAitClaims, importEd25519Seed } from "@clawdentity/sdk";
import { describe, expect, it, vi } from "vitest";
import { writeIdentityFile } from "../src";
import { settle, useConnectorRig } from "./helpers";

const rig = useConnectorRig();

const status = async () => (await rig.node.api("GET", "/v1/status")).json;
const notices = () => rig.webhook.calls.filter((call) => call.body.type === "clawdentity.notice.v1");
const send = (index: number) =>
  rig.node.api("POST", "/v1/outbound", { body: { toAgentDid: rig.ids.peer.agentDid, payload: { index } } });
/** Every request that reached the fake proxy, refused or not: what a retry storm would multiply. */
const proxyRequests = () =>
  rig.proxy.authFailures.length + rig.proxy.messages.length + rig.proxy.receipts.length + rig.proxy.upgrades.length;

describe("an AIT the proxy refuses for good", () => {
  it("expired: no retry storm, status, metric and one notice; the owner's reissue on disk resumes everything", async () => {
    // Expired 100 s ago in real time, which is what the fake proxy checks.
    const identity = await rig.ids.createIdentity({ iat: Math.floor(Date.now() / 1000) - 200, lifetimeSeconds: 100 });
    await rig.setup({ identity, identityFile: true, waitForHello: false, tuning: { identityWatchIntervalMs: 50 } });
    for (let index = 0; index < 20; index++) expect((await send(index)).status).toBe(202);

    await vi.waitFor(async () => expect((await status()).identity.state).toBe("expired"));
    await settle();
    const refused = proxyRequests();
    // At most the calls already under way when the first refusal came back.
    expect(refused).toBeLessThanOrEqual(1 + 8);
    for (let step = 0; step < 12; step++) {
      rig.node.advance(10 * 60_000);
      await settle(50);
    }
    expect(proxyRequests()).toBe(refused);
    expect(rig.proxy.authFailures.every((failure) => failure.reason === "AIT_EXPIRED")).toBe(true);

    const view = await status();
    expect(view.socket.state).toBe("disconnected");
    expect(view.queues.outbox).toMatchObject({ queued: 20, deadLettered: 0 });
    await vi.waitFor(() => expect(notices()).toHaveLength(1));
    expect(notices()[0]?.body).toMatchObject({
      code: NOTICE_CODES.expired,
      agentDid: identity.agentDid,
      errorCode: "PROXY_AUTH_AIT_EXPIRED",
      aitExpiresAt: view.identity.expiresAt,
    });
    const metrics = (await rig.node.api("GET", "/metrics")).text;
    expect(metrics).toContain('clawdentity_connector_identity_refusals_total{code="PROXY_AUTH_AIT_EXPIRED"} 1');
    expect(metrics).toContain("clawdentity_connector_identity_halted 1");
    expect(metrics).toMatch(/clawdentity_connector_ait_remaining_seconds -\d/);

    // The owner reissues (`agent reissue` writes identity.json): taken up without a restart.
    const { publicKey } = await importEd25519Seed(identity.seed);
    const reissued = { ...identity, ait: await rig.ids.issueAit({ agentDid: identity.agentDid, publicKey }) };
    writeIdentityFile(join(rig.node.dir, "identity.json"), reissued);
    await vi.waitFor(async () => expect((await status()).identity.state).toBe("valid"));
    await vi.waitFor(async () => expect((await status()).socket.state).toBe("connected"));
    await vi.waitFor(() => expect(rig.proxy.messages).toHaveLength(20));
    const jti = decodeAitClaims(reissued.ait)?.jti;
    expect(rig.proxy.messages.every((request) => request.jti === jti)).toBe(true);
    expect(rig.proxy.upgrades.map((upgrade) => upgrade.jti)).toEqual([jti]);
    expect(notices()).toHaveLength(1);
  });

  it("revoked: the refused send and every later one are dead-lettered sender_revoked without a request", async () => {
    await rig.setup();
    rig.proxy.respondMessages(() => ({
      status: 401,
      body: { error: { code: "PROXY_AUTH_AGENT_REVOKED", message: "revoked", requestId: "fake" } },
    }));
    const first = await send(0);
    await vi.waitFor(async () => expect((await status()).identity.state).toBe("revoked"));
    const later = [await send(1), await send(2), await send(3)];
    for (const sent of [first, ...later]) {
      await vi.waitFor(async () =>
        expect((await rig.node.api("GET", `/v1/outbound/${sent.json.messageId}`)).json).toMatchObject({
          status: "dead_lettered",
          deadLetterReason: "sender_revoked",
        }),
      );
    }
    expect(rig.proxy.messages).toHaveLength(1);
    await vi.waitFor(() => expect(rig.webhook.receipts()).toHaveLength(4));
    await vi.waitFor(() => expect(notices()).toHaveLength(1));
    expect(notices()[0]?.body).toMatchObject({ code: NOTICE_CODES.revoked, errorCode: "PROXY_AUTH_AGENT_REVOKED" });

    // The relay closes the revoked agent's socket: it stays down.
    rig.proxy.closeSockets(RELAY_CLOSE_CODES.revoked, "agent_revoked");
    await vi.waitFor(async () =>
      expect((await status()).socket).toMatchObject({ state: "disconnected", lastCloseCode: 4003 }),
    );
    await settle(300);
    expect(rig.proxy.upgrades).toHaveLength(1);
    expect(notices()).toHaveLength(1);
  });

  it("revoked just before the owner's reissue reaches identity.json: nothing dead-lettered, all sent with the new AIT", async () => {
    await rig.setup({ identityFile: true, tuning: { identityWatchIntervalMs: 50 } });
    const identity = rig.ids.agent;
    const oldJti = decodeAitClaims(identity.ait)?.jti as string;
    rig.proxy.revokedJtis.add(oldJti);
    const sent = [await send(0), await send(1), await send(2)];
    await vi.waitFor(() => expect(rig.proxy.authFailures.length).toBeGreaterThan(0));
    await settle(500);

    const { publicKey } = await importEd25519Seed(identity.seed);
    const reissued = { ...identity, ait: await rig.ids.issueAit({ agentDid: identity.agentDid, publicKey }) };
    writeIdentityFile(join(rig.node.dir, "identity.json"), reissued);
    const newJti = decodeAitClaims(reissued.ait)?.jti;
    for (const message of sent) {
      await vi.waitFor(async () =>
        expect((await rig.node.api("GET", `/v1/outbound/${message.json.messageId}`)).json.status).toBe("relayed"),
      );
    }
    expect(rig.proxy.messages.map((request) => request.jti)).toEqual([newJti, newJti, newJti]);
    expect((await status()).identity.state).toBe("valid");
    await vi.waitFor(() => expect(rig.proxy.upgrades.at(-1)?.jti).toBe(newJti));
    expect(notices()).toEqual([]);
  });
});
