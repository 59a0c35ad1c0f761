import { RELAY_CLOSE_CODES } from "@clawdentity/protocol";
import { describe, expect, it, vi } from "vitest";
import type { ConnectorTuning } from "../src";
import { createDeliverFrame, frameBase, framesOfType, settle, useConnectorRig } from "./helpers";

const rig = useConnectorRig();

const setup = (tuning: Partial<ConnectorTuning> = {}) => rig.setup({ tuning });
const socketStatus = async () => (await rig.node.api("GET", "/v1/status")).json.socket;

describe("relay WebSocket", () => {
  it("upgrades signed with protocol 2 and says hello, with the last received id after a reconnect", async () => {
    await setup();
    expect(rig.proxy.upgrades).toHaveLength(1);
    expect(rig.proxy.upgrades[0]?.agentDid).toBe(rig.ids.agent.agentDid);
    expect(rig.proxy.upgrades[0]?.headers.get("x-claw-relay-protocol")).toBe("2");
    expect(rig.proxy.authFailures).toEqual([]);
    expect(framesOfType(rig.proxy.frames, "hello")[0]).not.toHaveProperty("lastReceivedId");
    expect(await socketStatus()).toMatchObject({ state: "connected", reconnectAttempts: 0 });

    const frame = createDeliverFrame({ from: rig.ids.peer.agentDid, to: rig.ids.agent.agentDid });
    rig.proxy.sendFrame(frame);
    await vi.waitFor(() => expect(framesOfType(rig.proxy.frames, "deliver_ack")).toHaveLength(1));
    rig.proxy.closeSockets(1011, "relay restarting");
    await vi.waitFor(() => expect(framesOfType(rig.proxy.frames, "hello")).toHaveLength(2));
    expect(framesOfType(rig.proxy.frames, "hello")[1]).toMatchObject({
      lastReceivedId: frame.id,
      offlineSinceMs: expect.any(Number),
    });
    expect(rig.proxy.upgrades).toHaveLength(2);
  });

  it("sends heartbeats, measures the round trip and answers the relay's heartbeats", async () => {
    await setup({ heartbeatIntervalMs: 50 });
    await vi.waitFor(() => expect(framesOfType(rig.proxy.frames, "heartbeat").length).toBeGreaterThanOrEqual(2));
    await vi.waitFor(async () => expect((await socketStatus()).lastHeartbeatRttMs).toEqual(expect.any(Number)));
    const ping = { ...frameBase(), type: "heartbeat" as const };
    rig.proxy.sendFrame(ping);
    await vi.waitFor(() =>
      expect(framesOfType(rig.proxy.frames, "heartbeat_ack").map((ack) => ack.ackId)).toContain(ping.id),
    );
    const metrics = await rig.node.api("GET", "/metrics");
    expect(metrics.text).toMatch(/clawdentity_connector_heartbeat_rtt_seconds \d/);
  });

  it("drops a silent socket and reconnects", async () => {
    await setup({ heartbeatIntervalMs: 50, deadSocketAfterMs: 300 });
    rig.proxy.setAutoHeartbeatAck(false);
    await vi.waitFor(() => expect(rig.proxy.upgrades).toHaveLength(2), { timeout: 5_000 });
    expect(framesOfType(rig.proxy.frames, "hello")).toHaveLength(2);
  });

  it("reconnects with backoff while the proxy refuses connections", async () => {
    await setup();
    rig.proxy.refuseConnections(true);
    await vi.waitFor(async () => expect((await socketStatus()).reconnectAttempts).toBeGreaterThanOrEqual(3));
    expect((await socketStatus()).state).not.toBe("connected");
    rig.proxy.refuseConnections(false);
    await vi.waitFor(async () => expect(await socketStatus()).toMatchObject({ state: "connected" }));
    await vi.waitFor(async () => expect((await socketStatus()).reconnectAttempts).toBe(0));
    expect(rig.proxy.upgrades).toHaveLength(2);
  });

  it("stays down when superseded by a newer connection instead of fighting back", async () => {
    await setup();
    rig.proxy.closeSockets(RELAY_CLOSE_CODES.superseded, "superseded");
    await vi.waitFor(async () =>
      expect(await socketStatus()).toMatchObject({ state: "superseded", lastCloseCode: 4001 }),
    );
    await settle(300);
    expect(rig.proxy.upgrades).toHaveLength(1);
    expect(rig.proxy.openSockets()).toBe(0);
  });

  it("ignores malformed frames and keeps the socket", async () => {
    await setup();
    rig.proxy.sendFrame({ v: 1, type: "nonsense" } as never);
    rig.proxy.sendFrame({ ...frameBase(), type: "deliver" } as never);
    const frame = createDeliverFrame({ from: rig.ids.peer.agentDid, to: rig.ids.agent.agentDid });
    rig.proxy.sendFrame(frame);
    await vi.waitFor(() => expect(framesOfType(rig.proxy.frames, "deliver_ack")).toHaveLength(1));
    const metrics = await rig.node.api("GET", "/metrics");
    expect(metrics.text).toContain('clawdentity_connector_invalid_frames_total{reason="malformed"} 2');
    expect(rig.proxy.upgrades).toHaveLength(1);
  });
});
