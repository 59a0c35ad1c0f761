import { DELIVERY_CONTENT_TYPE, type RelayFrame } from "@clawdentity/protocol";
import BetterSqlite3 from "better-sqlite3";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import type { ConnectorTuning } from "../src";
import {
  createDeliverFrame,
  createTestIdentities,
  type FakeProxy,
  type FakeWebhook,
  framesOfType,
  startFakeProxy,
  startFakeWebhook,
  startTestConnector,
  type TestConnector,
  type TestIdentities,
} from "./helpers";

let ids: TestIdentities;
let proxy: FakeProxy;
let webhook: FakeWebhook;
let node: TestConnector;

beforeAll(async () => {
  ids = await createTestIdentities();
});

afterEach(async () => {
  await node?.stop();
  await proxy?.close();
  await webhook?.close();
});

async function setup(tuning: Partial<ConnectorTuning> = {}, onFrame?: (frame: RelayFrame) => void) {
  proxy = await startFakeProxy({ keys: ids.keys, ...(onFrame ? { onFrame } : {}) });
  webhook = await startFakeWebhook();
  node = await startTestConnector({ identity: ids.agent, proxyUrl: proxy.url, webhookUrl: webhook.url, tuning });
  await vi.waitFor(() => expect(framesOfType(proxy.frames, "hello")).toHaveLength(1));
}

const deliver = (overrides: Partial<Parameters<typeof createDeliverFrame>[0]> = {}) => {
  const frame = createDeliverFrame({ from: ids.peer.agentDid, to: ids.agent.agentDid, ...overrides });
  proxy.sendFrame(frame);
  return frame;
};
const inboxRow = (messageId: string) => node.started.storage.inbox.find(ids.peer.agentDid, messageId);
const settle = () => new Promise((resolve) => setTimeout(resolve, 200));

describe("inbox", () => {
  it("stores a deliver frame before acking it, delivers it per SPEC §9 and posts the receipt", async () => {
    const storedAtAck: Array<string | undefined> = [];
    let reader: BetterSqlite3.Database | undefined;
    await setup({}, (frame) => {
      // Runs the instant the ack arrives: the row must already be committed, seen from another connection.
      if (frame.type !== "deliver_ack") return;
      reader ??= new BetterSqlite3(`${node.dir}/connector.db`, { readonly: true });
      const row = reader.prepare("SELECT message_id FROM inbox WHERE message_id = ?").get(frame.ackId) as
        | { message_id: string }
        | undefined;
      storedAtAck.push(row?.message_id);
    });
    const frame = deliver({ payload: { text: "hello bob" }, conversationId: "c-1", correlationId: "corr-9" });
    await vi.waitFor(() => expect(framesOfType(proxy.frames, "deliver_ack")).toHaveLength(1));
    reader?.close();
    expect(framesOfType(proxy.frames, "deliver_ack")[0]).toMatchObject({ ackId: frame.id, accepted: true });
    expect(storedAtAck).toEqual([frame.id]);

    await vi.waitFor(() => expect(webhook.deliveries()).toHaveLength(1));
    const call = webhook.deliveries()[0];
    expect(call?.headers["content-type"]).toBe(DELIVERY_CONTENT_TYPE);
    expect(call?.headers["x-claw-correlation-id"]).toBe("corr-9");
    expect(call?.body).toEqual({
      type: "clawdentity.delivery.v1",
      requestId: frame.id,
      messageId: frame.id,
      correlationId: "corr-9",
      fromAgentDid: ids.peer.agentDid,
      toAgentDid: ids.agent.agentDid,
      payload: { text: "hello bob" },
      conversationId: "c-1",
      priority: "normal",
      receivedAt: expect.any(String),
    });

    await vi.waitFor(() => expect(proxy.receipts).toHaveLength(1));
    expect(proxy.receipts[0]?.json).toEqual({
      messageId: frame.id,
      senderAgentDid: ids.peer.agentDid,
      status: "delivered_to_webhook",
      correlationId: "corr-9",
    });
    expect(proxy.receipts[0]?.agentDid).toBe(ids.agent.agentDid);
    expect(proxy.authFailures).toEqual([]);
    expect(proxy.contractFailures).toEqual([]);
    await vi.waitFor(() => expect(node.started.storage.receiptOutbox.countByState().done).toBe(1));
    expect(inboxRow(frame.id)?.status).toBe("delivered");
  });

  it("acks a redelivered frame without delivering it twice, also after delivery", async () => {
    await setup();
    const frame = deliver();
    proxy.sendFrame(frame);
    await vi.waitFor(() => expect(proxy.receipts).toHaveLength(1));
    proxy.sendFrame({ ...frame, attempt: 2 });
    await vi.waitFor(() => expect(framesOfType(proxy.frames, "deliver_ack")).toHaveLength(3));
    await settle();
    expect(framesOfType(proxy.frames, "deliver_ack").every((ack) => ack.accepted)).toBe(true);
    expect(webhook.deliveries()).toHaveLength(1);
    expect(proxy.receipts).toHaveLength(1);
  });

  it("refuses a frame addressed to another agent", async () => {
    await setup();
    const frame = deliver({ to: ids.peer.agentDid });
    await vi.waitFor(() => expect(framesOfType(proxy.frames, "deliver_ack")).toHaveLength(1));
    expect(framesOfType(proxy.frames, "deliver_ack")[0]).toMatchObject({
      ackId: frame.id,
      accepted: false,
      reason: "wrong_recipient",
    });
    expect(node.started.storage.inbox.countByStatus().pending).toBe(0);
  });

  it("delivers critical first and keeps order within a conversation, across retries", async () => {
    await setup({ webhookConcurrency: 1 });
    const order: string[] = [];
    let failFirstB = true;
    webhook.respond((call) => {
      const id = call.body.messageId as string;
      if (id === blocker.id && order.length === 0) return "hold";
      if (id === b1.id && failFirstB) {
        failFirstB = false;
        return 500;
      }
      order.push(id);
      return 200;
    });
    const blocker = deliver();
    await vi.waitFor(() => expect(webhook.calls).toHaveLength(1));
    const low = deliver({ priority: "low" });
    const b1 = deliver({ conversationId: "conv-b" });
    const b2 = deliver({ conversationId: "conv-b", priority: "critical" });
    const critical = deliver({ priority: "critical" });
    await vi.waitFor(() => expect(framesOfType(proxy.frames, "deliver_ack")).toHaveLength(5));
    order.push(blocker.id);
    webhook.releaseHeld(200);
    // b1 fails once and waits 1 s; b2 (critical, same conversation) must wait for it, low goes meanwhile.
    await vi.waitFor(() => expect(order).toEqual([blocker.id, critical.id, low.id]));
    await settle();
    expect(order).toHaveLength(3);
    node.advance(1_000);
    await vi.waitFor(() => expect(order).toEqual([blocker.id, critical.id, low.id, b1.id, b2.id]));
  });

  it("dead-letters after 10 failed attempts and posts a dead_lettered receipt", async () => {
    await setup();
    webhook.respond(() => 503);
    const frame = deliver();
    for (let step = 0; step < 40 && inboxRow(frame.id)?.status !== "dead_lettered"; step++) {
      const attempts = inboxRow(frame.id)?.attempts ?? 0;
      await vi.waitFor(() => expect(inboxRow(frame.id)?.attempts).toBeGreaterThan(attempts));
      node.advance(5 * 60_000);
    }
    expect(inboxRow(frame.id)).toMatchObject({
      status: "dead_lettered",
      deadLetterReason: "max_attempts",
      attempts: 10,
    });
    expect(webhook.deliveries()).toHaveLength(10);
    await vi.waitFor(() => expect(proxy.receipts).toHaveLength(1));
    expect(proxy.receipts[0]?.json).toMatchObject({
      messageId: frame.id,
      senderAgentDid: ids.peer.agentDid,
      status: "dead_lettered",
      reason: "max_attempts",
    });
  });

  it("dead-letters a message the runtime rejects with a 4xx at once", async () => {
    await setup();
    webhook.respond(() => 422);
    const frame = deliver();
    await vi.waitFor(() => expect(proxy.receipts).toHaveLength(1));
    expect(proxy.receipts[0]?.json).toMatchObject({ status: "dead_lettered", reason: "webhook_rejected" });
    expect(inboxRow(frame.id)).toMatchObject({ attempts: 1, lastError: "webhook answered HTTP 422" });
  });

  it("counts a webhook that does not answer within the timeout as a failed attempt", async () => {
    await setup({ webhookTimeoutMs: 300 });
    webhook.respond(() => "hold");
    const frame = deliver();
    await vi.waitFor(() => expect(inboxRow(frame.id)?.attempts).toBe(1));
    expect(inboxRow(frame.id)).toMatchObject({ status: "pending", lastError: "no answer within 300 ms" });
  });

  it("dead-letters as expired after the TTL", async () => {
    await setup({ webhookTtlMs: 60_000 });
    webhook.respond(() => 500);
    const frame = deliver();
    await vi.waitFor(() => expect(inboxRow(frame.id)?.attempts).toBe(1));
    node.advance(60_000);
    await vi.waitFor(() => expect(proxy.receipts).toHaveLength(1));
    expect(proxy.receipts[0]?.json).toMatchObject({ status: "dead_lettered", reason: "expired" });
  });

  it("opens the webhook circuit after 5 failures and parks deliveries without spending attempts", async () => {
    await setup();
    webhook.respond(() => 500);
    const frames = [deliver(), deliver(), deliver(), deliver(), deliver()];
    await vi.waitFor(async () =>
      expect((await node.api("GET", "/v1/status")).json.circuits.webhook.state).toBe("open"),
    );
    const parked = deliver();
    await vi.waitFor(() => expect(inboxRow(parked.id)?.status).toBe("pending"));
    node.advance(5_000);
    await settle();
    expect(webhook.calls).toHaveLength(5);
    expect(inboxRow(parked.id)?.attempts).toBe(0);
    webhook.respond(() => 200);
    node.advance(30_000);
    await vi.waitFor(() => expect(node.started.storage.inbox.countByStatus().delivered).toBe(6));
    expect(frames.map((frame) => inboxRow(frame.id)?.attempts)).toEqual([2, 2, 2, 2, 2]);
  });

  it("retries a receipt the proxy could not take, and gives up on one it refuses", async () => {
    await setup();
    let calls = 0;
    proxy.respondReceipts(() => {
      calls += 1;
      if (calls === 1) return { status: 503 };
      if (calls === 2) return { status: 202, body: {} };
      return { status: 409, body: { error: { code: "PROXY_RECEIPT_NOT_DELIVERED", message: "no", requestId: "x" } } };
    });
    deliver();
    await vi.waitFor(() => expect(proxy.receipts).toHaveLength(1));
    node.advance(1_000);
    await vi.waitFor(() => expect(node.started.storage.receiptOutbox.countByState().done).toBe(1));
    deliver();
    await vi.waitFor(() => expect(node.started.storage.receiptOutbox.countByState().failed).toBe(1));
    const status = await node.api("GET", "/v1/status");
    expect(status.json.queues.receiptOutbox).toEqual({ pending: 0, failed: 1 });
  });
});
