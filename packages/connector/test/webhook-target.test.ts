import { createWebhookSecret, verifyWebhook } from "@clawdentity/sdk";
import { describe, expect, it, vi } from "vitest";
import type { ConnectorConfigInput, ConnectorTuning } from "../src";
import { createDeliverFrame, createReceiptFrame, settle, useConnectorRig } from "./helpers";

const rig = useConnectorRig();

const setup = (tuning: Partial<ConnectorTuning> = {}, webhook?: ConnectorConfigInput["webhook"]) =>
  rig.setup({ tuning, ...(webhook ? { webhook } : {}) });

const deliver = () => {
  const frame = createDeliverFrame({ from: rig.ids.peer.agentDid, to: rig.ids.agent.agentDid });
  rig.proxy.sendFrame(frame);
  return frame;
};
const inboxRow = (messageId: string) => rig.node.started.storage.inbox.find(rig.ids.peer.agentDid, messageId);
const status = async () => (await rig.node.api("GET", "/v1/status")).json;

async function sendRelayed(): Promise<string> {
  const sent = await rig.node.api("POST", "/v1/outbound", { body: { toAgentDid: rig.ids.peer.agentDid, payload: 1 } });
  const messageId = sent.json.messageId as string;
  await vi.waitFor(() => expect(rig.node.started.storage.outbox.get(messageId)?.status).toBe("relayed"));
  return messageId;
}

describe("the delivery target", () => {
  it("sends the configured headers and Idempotency-Key: <messageId>, the same on every retry", async () => {
    await setup({}, { headers: { Authorization: "Bearer hook-token", "X-Extra": "1" } });
    let first = true;
    rig.webhook.respond(() => {
      if (!first) return 200;
      first = false;
      return 503;
    });
    const frame = deliver();
    await vi.waitFor(() => expect(inboxRow(frame.id)?.attempts).toBe(1));
    rig.node.advance(1_000);
    await vi.waitFor(() => expect(inboxRow(frame.id)?.status).toBe("delivered"));
    expect(rig.webhook.calls.map((call) => call.headers["idempotency-key"])).toEqual([frame.id, frame.id]);
    expect(rig.webhook.calls[1]?.headers).toMatchObject({ authorization: "Bearer hook-token", "x-extra": "1" });
  });

  it("signs every call, deliveries and notices, per Standard Webhooks with the agent's secret", async () => {
    const secret = createWebhookSecret();
    await setup({}, { secret });
    const frame = deliver();
    const sentId = await sendRelayed();
    rig.proxy.sendFrame(
      createReceiptFrame({ messageId: sentId, to: rig.ids.peer.agentDid, status: "delivered_to_webhook" }),
    );
    await vi.waitFor(() => expect(rig.webhook.calls).toHaveLength(2));
    for (const call of rig.webhook.calls) {
      const verified = await verifyWebhook({ secret, headers: call.headers, body: call.text });
      expect(verified.id).toBe(call.headers["idempotency-key"]);
    }
    expect(rig.webhook.deliveries()[0]?.headers["webhook-id"]).toBe(frame.id);
    expect(rig.webhook.receipts()[0]?.headers["webhook-id"]).toMatch(new RegExp(`^${sentId}-n\\d+$`));
    // Another secret does not verify them.
    const other = createWebhookSecret();
    const call = rig.webhook.calls[0];
    await expect(
      verifyWebhook({ secret: other, headers: call?.headers ?? {}, body: call?.text ?? "" }),
    ).rejects.toThrow(/no webhook-signature matches/);
  });

  it("refuses headers the connector sets itself, and CR/LF in values", async () => {
    await expect(setup({}, { headers: { "Idempotency-Key": "x" } })).rejects.toThrow(/set by the connector/);
    await rig.proxy.close();
    await rig.webhook.close();
    await expect(setup({}, { headers: { authorization: "a\r\nx: y" } })).rejects.toThrow(/printable ASCII/);
  });
});

describe("a misconfigured webhook (401/403/404)", () => {
  it("pauses deliveries and notices without spending attempts; one probe at a time; status and metrics show it", async () => {
    await setup({ webhookMaxAttempts: 2 });
    rig.webhook.respond(() => 401);
    const frames = [deliver(), deliver(), deliver()];
    await vi.waitFor(async () => expect((await status()).webhookPause).toBeDefined());
    await settle();
    const callsWhenPaused = rig.webhook.calls.length;
    const paused = await status();
    expect(paused.webhookPause).toMatchObject({
      reason: "misconfigured",
      failures: 1,
      lastError: "webhook answered HTTP 401",
    });
    expect(paused.circuits.webhook.state).toBe("closed");
    expect((await rig.node.api("GET", "/metrics")).text).toContain("clawdentity_connector_webhook_misconfigured 1");
    // A receipt notice for the runtime waits as well.
    const sentId = await sendRelayed();
    rig.proxy.sendFrame(
      createReceiptFrame({ messageId: sentId, to: rig.ids.peer.agentDid, status: "delivered_to_webhook" }),
    );
    await settle();
    expect(rig.webhook.calls.length).toBe(callsWhenPaused);

    // Each probe is one call; the backoff grows; far past webhookMaxAttempts nothing is dead-lettered.
    for (let probe = 2; probe <= 5; probe++) {
      const before = rig.webhook.calls.length;
      rig.node.advance(5 * 60_000);
      await vi.waitFor(async () => expect((await status()).webhookPause.failures).toBe(probe));
      expect(rig.webhook.calls.length).toBe(before + 1);
    }
    expect(frames.map((frame) => inboxRow(frame.id)?.status)).toEqual(["pending", "pending", "pending"]);
    expect(frames.map((frame) => inboxRow(frame.id)?.attempts)).toEqual([0, 0, 0]);

    // Fixed: the next probe gets through and everything waiting goes at once.
    rig.webhook.respond(() => 200);
    rig.node.advance(5 * 60_000);
    await vi.waitFor(() => expect(rig.node.started.storage.inbox.countByStatus().delivered).toBe(3));
    await vi.waitFor(() => expect(rig.webhook.receipts()).toHaveLength(1));
    expect((await status()).webhookPause).toBeUndefined();
    expect((await rig.node.api("GET", "/metrics")).text).toContain("clawdentity_connector_webhook_misconfigured 0");
  });

  it("resumes at once when the target changes", async () => {
    await setup();
    rig.webhook.respond((call) => (call.headers.authorization === "Bearer right" ? 200 : 403));
    const frame = deliver();
    await vi.waitFor(async () => expect((await status()).webhookPause).toBeDefined());
    rig.node.connector.setWebhookTarget({ url: rig.webhook.url, headers: { authorization: "Bearer right" } });
    await vi.waitFor(() => expect(inboxRow(frame.id)?.status).toBe("delivered"));
    expect((await status()).webhookPause).toBeUndefined();
  });

  it("dead-letters webhook_misconfigured at the TTL, never before", async () => {
    await setup({ webhookTtlMs: 3_600_000 });
    rig.webhook.respond(() => 404);
    const frame = deliver();
    await vi.waitFor(async () => expect((await status()).webhookPause).toBeDefined());
    rig.node.advance(3_000_000);
    await settle();
    expect(inboxRow(frame.id)?.status).toBe("pending");
    rig.node.advance(600_000);
    await vi.waitFor(() => expect(rig.proxy.receipts).toHaveLength(1));
    expect(rig.proxy.receipts[0]?.json).toMatchObject({ status: "dead_lettered", reason: "webhook_misconfigured" });
    expect(inboxRow(frame.id)).toMatchObject({ status: "dead_lettered", lastError: "webhook answered HTTP 404" });
  });
});
