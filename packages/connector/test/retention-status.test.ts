import { DEFAULTS } from "@clawdentity/protocol";
import { describe, expect, it, vi } from "vitest";
import { createDeliverFrame, createReceiptFrame, framesOfType, useConnectorRig } from "./helpers";

const rig = useConnectorRig();

const setup = () => rig.setup();

/** One relayed outbound (with an idempotency key) and one delivered inbound message. */
async function exchange() {
  const sent = await rig.node.api("POST", "/v1/outbound", {
    body: { toAgentDid: rig.ids.peer.agentDid, payload: 1 },
    headers: { "idempotency-key": "k-1" },
  });
  const frame = createDeliverFrame({ from: rig.ids.peer.agentDid, to: rig.ids.agent.agentDid });
  rig.proxy.sendFrame(frame);
  await vi.waitFor(() => expect(rig.node.started.storage.receiptOutbox.countByState().done).toBe(1));
  await vi.waitFor(() => expect(rig.node.started.storage.outbox.countByStatus().relayed).toBe(1));
  return { messageId: sent.json.messageId as string, frame };
}

describe("retention", () => {
  it("keeps finished rows for 7 days, remembering redeliveries, then prunes them", async () => {
    await setup();
    const { messageId, frame } = await exchange();
    rig.proxy.sendFrame(createReceiptFrame({ messageId, to: rig.ids.peer.agentDid, status: "delivered_to_webhook" }));
    await vi.waitFor(() => expect(rig.node.started.storage.runtimeNotifications.countByState().done).toBe(1));
    rig.node.advance(DEFAULTS.deadLetterRetentionMs - 1_000);
    expect(rig.node.connector.pruneRetention()).toEqual({ outbox: 0, inbox: 0, jobs: 0, idempotencyKeys: 0 });
    rig.proxy.sendFrame({ ...frame, attempt: 2 });
    await vi.waitFor(() => expect(framesOfType(rig.proxy.frames, "deliver_ack")).toHaveLength(2));
    expect(rig.webhook.deliveries()).toHaveLength(1);

    rig.node.advance(2_000);
    // jobs: the posted delivery receipt and the runtime's receipt notice.
    expect(rig.node.connector.pruneRetention()).toEqual({ outbox: 1, inbox: 1, jobs: 2, idempotencyKeys: 1 });
    const status = await rig.node.api("GET", "/v1/status");
    expect(status.json.queues).toEqual({
      outbox: { queued: 0, relayed: 0, deadLettered: 0, awaitingOutcome: { count: 0 } },
      inbox: { pending: 0, delivered: 0, deadLettered: 0 },
      receiptOutbox: { pending: 0, failed: 0 },
      runtimeNotifications: { pending: 0, failed: 0 },
    });
  });

  it("never prunes work still queued", async () => {
    await setup();
    rig.proxy.respondMessages(() => ({ status: 503 }));
    await rig.node.api("POST", "/v1/outbound", { body: { toAgentDid: rig.ids.peer.agentDid, payload: 1 } });
    rig.node.advance(8 * 86_400_000);
    expect(rig.node.connector.pruneRetention().outbox).toBe(0);
  });
});

describe("GET /v1/status and /metrics", () => {
  it("report socket, circuits, queue depths and counters", async () => {
    await setup();
    await exchange();
    const status = await rig.node.api("GET", "/v1/status");
    expect(status.json).toMatchObject({
      agentDid: rig.ids.agent.agentDid,
      socket: { state: "connected", reconnectAttempts: 0, connectedAt: expect.any(String) },
      circuits: { proxy: { state: "closed", consecutiveFailures: 0 }, webhook: { state: "closed" } },
      queues: { outbox: { relayed: 1 }, inbox: { delivered: 1 }, receiptOutbox: { pending: 0 } },
    });
    const metrics = await rig.node.api("GET", "/metrics");
    expect(metrics.headers.get("content-type")).toContain("text/plain; version=0.0.4");
    for (const line of [
      "# TYPE clawdentity_connector_outbound_accepted_total counter",
      "clawdentity_connector_outbound_accepted_total 1",
      "clawdentity_connector_outbound_relayed_total 1",
      'clawdentity_connector_inbound_received_total{priority="normal"} 1',
      'clawdentity_connector_webhook_deliveries_total{outcome="accepted"} 1',
      'clawdentity_connector_delivery_receipts_posted_total{outcome="accepted"} 1',
      'clawdentity_connector_outbox_messages{status="relayed"} 1',
      'clawdentity_connector_inbox_messages{status="delivered"} 1',
      "clawdentity_connector_socket_connected 1",
      "clawdentity_connector_socket_connects_total 1",
    ]) {
      expect(metrics.text).toContain(line);
    }
  });

  it("show how many relayed messages await an outcome and how old the oldest is", async () => {
    await setup();
    const send = async () => {
      const sent = await rig.node.api("POST", "/v1/outbound", {
        body: { toAgentDid: rig.ids.peer.agentDid, payload: 1 },
      });
      const messageId = sent.json.messageId as string;
      await vi.waitFor(() => expect(rig.node.started.storage.outbox.get(messageId)?.status).toBe("relayed"));
      return messageId;
    };
    const first = await send();
    const firstRelayedAt = rig.node.started.storage.outbox.get(first)?.relayedAt as number;
    rig.node.advance(30_000);
    const second = await send();
    rig.node.advance(15_000);

    const awaiting = async () => (await rig.node.api("GET", "/v1/status")).json.queues.outbox.awaitingOutcome;
    expect(await awaiting()).toEqual({ count: 2, oldestRelayedAt: new Date(firstRelayedAt).toISOString() });
    let metrics = (await rig.node.api("GET", "/metrics")).text;
    expect(metrics).toContain("clawdentity_connector_outbox_awaiting_outcome 2");
    expect(metrics).toContain("clawdentity_connector_outbox_oldest_awaiting_outcome_age_seconds 45");

    rig.proxy.sendFrame(
      createReceiptFrame({ messageId: first, to: rig.ids.peer.agentDid, status: "delivered_to_webhook" }),
    );
    await vi.waitFor(async () => expect((await awaiting()).count).toBe(1));
    const secondRelayedAt = rig.node.started.storage.outbox.get(second)?.relayedAt as number;
    expect(await awaiting()).toEqual({ count: 1, oldestRelayedAt: new Date(secondRelayedAt).toISOString() });
    metrics = (await rig.node.api("GET", "/metrics")).text;
    expect(metrics).toContain("clawdentity_connector_outbox_awaiting_outcome 1");
    expect(metrics).toContain("clawdentity_connector_outbox_oldest_awaiting_outcome_age_seconds 15");
  });
});
