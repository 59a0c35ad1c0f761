import { DELIVERY_CONTENT_TYPE, type RelayFrame } from "@clawdentity/protocol";
import BetterSqlite3 from "better-sqlite3";
import { describe, expect, it, vi } from "vitest";
import type { ConnectorTuning } from "../src";
import { createDeliverFrame, framesOfType, settle, useConnectorRig } from "./helpers";

const rig = useConnectorRig();

const setup = (tuning: Partial<ConnectorTuning> = {}, onFrame?: (frame: RelayFrame) => void) =>
  rig.setup({ tuning, ...(onFrame ? { onFrame } : {}) });

const deliver = (overrides: Partial<Parameters<typeof createDeliverFrame>[0]> = {}) => {
  const frame = createDeliverFrame({ from: rig.ids.peer.agentDid, to: rig.ids.agent.agentDid, ...overrides });
  rig.proxy.sendFrame(frame);
  return frame;
};
const inboxRow = (messageId: string) => rig.node.started.storage.inbox.find(rig.ids.peer.agentDid, messageId);

describe("inbox", () => {
  it("stores a deliver frame before acking it, delivers it per PROTOCOL.md §9 and posts the receipt", async () => {
    const storedAtAck: Array<string | undefined> = [];
    let reader: BetterSqlite3.Database | undefined;
    await setup({}, (frame) => {
      // Runs the instant the ack arrives: the row must already be committed, seen from another connection.
      if (frame.type !== "deliver_ack") return;
      reader ??= new BetterSqlite3(`${rig.node.dir}/connector.db`, { readonly: true });
      const row = reader.prepare("SELECT message_id FROM inbox WHERE message_id = ?").get(frame.ackId) as
        | { message_id: string }
        | undefined;
      storedAtAck.push(row?.message_id);
    });
    const frame = deliver({ payload: { text: "hello bob" }, conversationId: "c-1", correlationId: "corr-9" });
    await vi.waitFor(() => expect(framesOfType(rig.proxy.frames, "deliver_ack")).toHaveLength(1));
    reader?.close();
    expect(framesOfType(rig.proxy.frames, "deliver_ack")[0]).toMatchObject({ ackId: frame.id, accepted: true });
    expect(storedAtAck).toEqual([frame.id]);

    await vi.waitFor(() => expect(rig.webhook.deliveries()).toHaveLength(1));
    const call = rig.webhook.deliveries()[0];
    expect(call?.headers["content-type"]).toBe(DELIVERY_CONTENT_TYPE);
    expect(call?.headers["x-claw-correlation-id"]).toBe("corr-9");
    expect(call?.body).toEqual({
      type: "clawdentity.delivery.v1",
      requestId: frame.id,
      messageId: frame.id,
      correlationId: "corr-9",
      fromAgentDid: rig.ids.peer.agentDid,
      toAgentDid: rig.ids.agent.agentDid,
      payload: { text: "hello bob" },
      conversationId: "c-1",
      priority: "normal",
      receivedAt: expect.any(String),
    });

    await vi.waitFor(() => expect(rig.proxy.receipts).toHaveLength(1));
    expect(rig.proxy.receipts[0]?.json).toEqual({
      messageId: frame.id,
      senderAgentDid: rig.ids.peer.agentDid,
      status: "delivered_to_webhook",
      correlationId: "corr-9",
    });
    expect(rig.proxy.receipts[0]?.agentDid).toBe(rig.ids.agent.agentDid);
    expect(rig.proxy.authFailures).toEqual([]);
    expect(rig.proxy.contractFailures).toEqual([]);
    await vi.waitFor(() => expect(rig.node.started.storage.receiptOutbox.countByState().done).toBe(1));
    expect(inboxRow(frame.id)?.status).toBe("delivered");
  });

  it("acks a redelivered frame without delivering it twice, also after delivery", async () => {
    await setup();
    const frame = deliver();
    rig.proxy.sendFrame(frame);
    await vi.waitFor(() => expect(rig.proxy.receipts).toHaveLength(1));
    rig.proxy.sendFrame({ ...frame, attempt: 2 });
    await vi.waitFor(() => expect(framesOfType(rig.proxy.frames, "deliver_ack")).toHaveLength(3));
    await settle();
    expect(framesOfType(rig.proxy.frames, "deliver_ack").every((ack) => ack.accepted)).toBe(true);
    expect(rig.webhook.deliveries()).toHaveLength(1);
    expect(rig.proxy.receipts).toHaveLength(1);
  });

  it("refuses a frame addressed to another agent", async () => {
    await setup();
    const frame = deliver({ to: rig.ids.peer.agentDid });
    await vi.waitFor(() => expect(framesOfType(rig.proxy.frames, "deliver_ack")).toHaveLength(1));
    expect(framesOfType(rig.proxy.frames, "deliver_ack")[0]).toMatchObject({
      ackId: frame.id,
      accepted: false,
      reason: "wrong_recipient",
    });
    expect(rig.node.started.storage.inbox.countByStatus().pending).toBe(0);
  });

  it("delivers critical first and keeps order within a conversation, across retries", async () => {
    await setup({ webhookConcurrency: 1 });
    const order: string[] = [];
    let failFirstB = true;
    rig.webhook.respond((call) => {
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
    await vi.waitFor(() => expect(rig.webhook.calls).toHaveLength(1));
    const low = deliver({ priority: "low" });
    const b1 = deliver({ conversationId: "conv-b" });
    const b2 = deliver({ conversationId: "conv-b", priority: "critical" });
    const critical = deliver({ priority: "critical" });
    await vi.waitFor(() => expect(framesOfType(rig.proxy.frames, "deliver_ack")).toHaveLength(5));
    order.push(blocker.id);
    rig.webhook.releaseHeld(200);
    // b1 fails once and waits 1 s; b2 (critical, same conversation) must wait for it, low goes meanwhile.
    await vi.waitFor(() => expect(order).toEqual([blocker.id, critical.id, low.id]));
    await settle();
    expect(order).toHaveLength(3);
    rig.node.advance(1_000);
    await vi.waitFor(() => expect(order).toEqual([blocker.id, critical.id, low.id, b1.id, b2.id]));
  });

  it("dead-letters after 10 failed attempts and posts a dead_lettered receipt", async () => {
    await setup();
    rig.webhook.respond(() => 503);
    const frame = deliver();
    for (let step = 0; step < 40; step++) {
      const attempts = inboxRow(frame.id)?.attempts ?? 0;
      await vi.waitFor(() => expect(inboxRow(frame.id)?.attempts).toBeGreaterThan(attempts));
      // No clock step once dead-lettered: a step would also be a receipt retry while the first POST is in flight.
      if (inboxRow(frame.id)?.status === "dead_lettered") break;
      rig.node.advance(5 * 60_000);
    }
    expect(inboxRow(frame.id)).toMatchObject({
      status: "dead_lettered",
      deadLetterReason: "max_attempts",
      attempts: 10,
    });
    expect(rig.webhook.deliveries()).toHaveLength(10);
    await vi.waitFor(() => expect(rig.proxy.receipts).toHaveLength(1));
    expect(rig.proxy.receipts[0]?.json).toMatchObject({
      messageId: frame.id,
      senderAgentDid: rig.ids.peer.agentDid,
      status: "dead_lettered",
      reason: "max_attempts",
    });
  });

  it("dead-letters a message the runtime rejects with a 4xx at once", async () => {
    await setup();
    rig.webhook.respond(() => 422);
    const frame = deliver();
    await vi.waitFor(() => expect(rig.proxy.receipts).toHaveLength(1));
    expect(rig.proxy.receipts[0]?.json).toMatchObject({ status: "dead_lettered", reason: "webhook_rejected" });
    expect(inboxRow(frame.id)).toMatchObject({ attempts: 1, lastError: "webhook answered HTTP 422" });
  });

  it("counts a webhook that does not answer within the timeout as a failed attempt", async () => {
    await setup({ webhookTimeoutMs: 300 });
    rig.webhook.respond(() => "hold");
    const frame = deliver();
    await vi.waitFor(() => expect(inboxRow(frame.id)?.attempts).toBe(1));
    expect(inboxRow(frame.id)).toMatchObject({ status: "pending", lastError: "no answer within 300 ms" });
  });

  it("dead-letters as expired after the TTL", async () => {
    await setup({ webhookTtlMs: 60_000 });
    rig.webhook.respond(() => 500);
    const frame = deliver();
    await vi.waitFor(() => expect(inboxRow(frame.id)?.attempts).toBe(1));
    rig.node.advance(60_000);
    await vi.waitFor(() => expect(rig.proxy.receipts).toHaveLength(1));
    expect(rig.proxy.receipts[0]?.json).toMatchObject({ status: "dead_lettered", reason: "expired" });
  });

  it("opens the webhook circuit after 5 failures and parks deliveries without spending attempts", async () => {
    await setup();
    rig.webhook.respond(() => 500);
    const frames = [deliver(), deliver(), deliver(), deliver(), deliver()];
    await vi.waitFor(async () =>
      expect((await rig.node.api("GET", "/v1/status")).json.circuits.webhook.state).toBe("open"),
    );
    const parked = deliver();
    await vi.waitFor(() => expect(inboxRow(parked.id)?.status).toBe("pending"));
    rig.node.advance(5_000);
    await settle();
    expect(rig.webhook.calls).toHaveLength(5);
    expect(inboxRow(parked.id)?.attempts).toBe(0);
    rig.webhook.respond(() => 200);
    rig.node.advance(30_000);
    await vi.waitFor(() => expect(rig.node.started.storage.inbox.countByStatus().delivered).toBe(6));
    expect(frames.map((frame) => inboxRow(frame.id)?.attempts)).toEqual([2, 2, 2, 2, 2]);
  });
});
