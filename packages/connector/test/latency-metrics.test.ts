import { describe, expect, it, vi } from "vitest";
import { createConnectorMetrics, createPeerLabeler, OTHER_PEER, PEER_LABEL_CAP } from "../src/metrics";
import { createDeliverFrame, createReceiptFrame, framesOfType, useConnectorRig } from "./helpers";

const rig = useConnectorRig();

const metricsText = async () => (await rig.node.api("GET", "/metrics")).text;
/** The value of one exposition line, by its exact series text. */
const sampleOf = (text: string, series: string) => {
  const line = text.split("\n").find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
};

describe("connector latency histograms", () => {
  it("time accept → relayed and accept → receipt at the moments they happen, with the peer's outcome", async () => {
    await rig.setup();
    rig.proxy.respondMessages(() => "hold");
    const sent = await rig.node.api("POST", "/v1/outbound", {
      body: { toAgentDid: rig.ids.peer.agentDid, payload: 1, priority: "critical" },
    });
    const messageId = sent.json.messageId as string;
    await vi.waitFor(() => expect(rig.proxy.messages.length).toBeGreaterThan(0));
    // Nothing is observed while the relay call is outstanding.
    expect(await metricsText()).not.toContain("clawdentity_connector_outbound_relay_latency_seconds_count");

    rig.node.advance(3_000);
    rig.proxy.releaseHeld({
      status: 202,
      body: { messageId, correlationId: messageId, state: "queued", queueDepth: 1 },
    });
    await vi.waitFor(() => expect(rig.node.started.storage.outbox.get(messageId)?.status).toBe("relayed"));
    let text = await metricsText();
    const relay = 'clawdentity_connector_outbound_relay_latency_seconds_bucket{priority="critical",le=';
    expect(sampleOf(text, `${relay}"2.5"}`)).toBe(0);
    expect(sampleOf(text, `${relay}"5"}`)).toBe(1);
    expect(sampleOf(text, 'clawdentity_connector_outbound_relay_latency_seconds_sum{priority="critical"}')).toBe(3);

    rig.node.advance(40_000);
    rig.proxy.sendFrame(createReceiptFrame({ messageId, to: rig.ids.peer.agentDid, status: "delivered_to_webhook" }));
    await vi.waitFor(() => expect(framesOfType(rig.proxy.frames, "receipt_ack")).toHaveLength(1));
    text = await metricsText();
    const outcome =
      'clawdentity_connector_outbound_outcome_latency_seconds_bucket{outcome="delivered_to_webhook",priority="critical",le=';
    expect(sampleOf(text, `${outcome}"30"}`)).toBe(0);
    expect(sampleOf(text, `${outcome}"60"}`)).toBe(1);
    expect(sampleOf(text, `${outcome}"+Inf"}`)).toBe(1);
    expect(
      sampleOf(
        text,
        `clawdentity_connector_peer_outcomes_total{peer="${rig.ids.peer.agentDid}",outcome="delivered_to_webhook"}`,
      ),
    ).toBe(1);

    // The same receipt again changes nothing.
    rig.proxy.sendFrame(createReceiptFrame({ messageId, to: rig.ids.peer.agentDid, status: "delivered_to_webhook" }));
    await vi.waitFor(() => expect(framesOfType(rig.proxy.frames, "receipt_ack")).toHaveLength(2));
    expect(sampleOf(await metricsText(), `${outcome}"+Inf"}`)).toBe(1);

    const latency = await rig.node.api("GET", "/v1/latency");
    expect(latency.status).toBe(200);
    expect(latency.json.outboundRelay).toMatchObject({ count: 1 });
    expect(latency.json.outboundRelay.p50Seconds).toBeGreaterThan(2.5);
    expect(latency.json.outboundRelay.p50Seconds).toBeLessThanOrEqual(5);
    expect(latency.json.outboundOutcome.p99Seconds).toBeGreaterThan(30);
    expect(latency.json.outboundOutcome.p99Seconds).toBeLessThanOrEqual(60);
    expect(latency.json.webhookDelivery).toEqual({ p50Seconds: null, p99Seconds: null, count: 0 });
  });

  it("time frame stored → webhook accepted at the recipient, by priority", async () => {
    await rig.setup();
    rig.webhook.respond(() => "hold");
    rig.proxy.sendFrame(
      createDeliverFrame({ from: rig.ids.peer.agentDid, to: rig.ids.agent.agentDid, priority: "low" }),
    );
    await vi.waitFor(() => expect(rig.webhook.deliveries()).toHaveLength(1));
    rig.node.advance(7_000);
    rig.webhook.releaseHeld(200);
    await vi.waitFor(async () =>
      expect(
        sampleOf(await metricsText(), 'clawdentity_connector_webhook_delivery_latency_seconds_count{priority="low"}'),
      ).toBe(1),
    );
    const text = await metricsText();
    const bucket = 'clawdentity_connector_webhook_delivery_latency_seconds_bucket{priority="low",le=';
    expect(sampleOf(text, `${bucket}"5"}`)).toBe(0);
    expect(sampleOf(text, `${bucket}"10"}`)).toBe(1);
  });

  it("count seconds connected and reconnects, and report the heartbeat round trip in seconds", async () => {
    await rig.setup();
    rig.node.advance(10_000);
    rig.proxy.closeSockets(1011, "relay restarting");
    await vi.waitFor(() => expect(rig.proxy.upgrades).toHaveLength(2));
    await vi.waitFor(async () =>
      expect(sampleOf(await metricsText(), "clawdentity_connector_socket_reconnects_total")).toBe(1),
    );
    rig.node.advance(5_000);
    const text = await metricsText();
    expect(sampleOf(text, "clawdentity_connector_socket_connects_total")).toBe(2);
    expect(sampleOf(text, "clawdentity_connector_socket_connected_seconds_total")).toBe(15);
    expect(text).not.toContain("heartbeat_rtt_ms");
  });
});

describe("peer outcome labels", () => {
  it(`name the first ${PEER_LABEL_CAP} peers and fold later ones into "other"`, () => {
    const toLabel = createPeerLabeler(2);
    expect([toLabel("a"), toLabel("b"), toLabel("c"), toLabel("a"), toLabel("d")]).toEqual([
      "a",
      "b",
      OTHER_PEER,
      "a",
      OTHER_PEER,
    ]);

    const metrics = createConnectorMetrics();
    for (let peer = 0; peer < PEER_LABEL_CAP + 5; peer++)
      metrics.recordPeerOutcome(`did:peer:${peer}`, "delivered_to_webhook");
    const series = metrics.registry
      .render()
      .split("\n")
      .filter((line) => line.startsWith("clawdentity_connector_peer_outcomes_total{"));
    expect(series).toHaveLength(PEER_LABEL_CAP + 1);
    expect(series).toContain(
      'clawdentity_connector_peer_outcomes_total{peer="other",outcome="delivered_to_webhook"} 5',
    );
  });
});
