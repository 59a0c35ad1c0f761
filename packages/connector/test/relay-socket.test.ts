import { RELAY_CLOSE_CODES } from "@clawdentity/protocol";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import type { ConnectorTuning } from "../src";
import {
  createDeliverFrame,
  createTestIdentities,
  type FakeProxy,
  type FakeWebhook,
  frameBase,
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

async function setup(tuning: Partial<ConnectorTuning> = {}) {
  proxy = await startFakeProxy({ keys: ids.keys });
  webhook = await startFakeWebhook();
  node = await startTestConnector({ identity: ids.agent, proxyUrl: proxy.url, webhookUrl: webhook.url, tuning });
  await vi.waitFor(() => expect(framesOfType(proxy.frames, "hello")).toHaveLength(1));
}
const socketStatus = async () => (await node.api("GET", "/v1/status")).json.socket;
const settle = () => new Promise((resolve) => setTimeout(resolve, 300));

describe("relay WebSocket", () => {
  it("upgrades signed with protocol 2 and says hello, with the last received id after a reconnect", async () => {
    await setup();
    expect(proxy.upgrades).toHaveLength(1);
    expect(proxy.upgrades[0]?.agentDid).toBe(ids.agent.agentDid);
    expect(proxy.upgrades[0]?.headers.get("x-claw-relay-protocol")).toBe("2");
    expect(proxy.authFailures).toEqual([]);
    expect(framesOfType(proxy.frames, "hello")[0]).not.toHaveProperty("lastReceivedId");
    expect(await socketStatus()).toMatchObject({ state: "connected", reconnectAttempts: 0 });

    const frame = createDeliverFrame({ from: ids.peer.agentDid, to: ids.agent.agentDid });
    proxy.sendFrame(frame);
    await vi.waitFor(() => expect(framesOfType(proxy.frames, "deliver_ack")).toHaveLength(1));
    proxy.closeSockets(1011, "relay restarting");
    await vi.waitFor(() => expect(framesOfType(proxy.frames, "hello")).toHaveLength(2));
    expect(framesOfType(proxy.frames, "hello")[1]).toMatchObject({
      lastReceivedId: frame.id,
      offlineSinceMs: expect.any(Number),
    });
    expect(proxy.upgrades).toHaveLength(2);
  });

  it("sends heartbeats, measures the round trip and answers the relay's heartbeats", async () => {
    await setup({ heartbeatIntervalMs: 50 });
    await vi.waitFor(() => expect(framesOfType(proxy.frames, "heartbeat").length).toBeGreaterThanOrEqual(2));
    await vi.waitFor(async () => expect((await socketStatus()).lastHeartbeatRttMs).toEqual(expect.any(Number)));
    const ping = { ...frameBase(), type: "heartbeat" as const };
    proxy.sendFrame(ping);
    await vi.waitFor(() =>
      expect(framesOfType(proxy.frames, "heartbeat_ack").map((ack) => ack.ackId)).toContain(ping.id),
    );
    const metrics = await node.api("GET", "/metrics");
    expect(metrics.text).toMatch(/clawdentity_connector_heartbeat_rtt_ms \d/);
  });

  it("drops a silent socket and reconnects", async () => {
    await setup({ heartbeatIntervalMs: 50, deadSocketAfterMs: 300 });
    proxy.setAutoHeartbeatAck(false);
    await vi.waitFor(() => expect(proxy.upgrades).toHaveLength(2), { timeout: 5_000 });
    expect(framesOfType(proxy.frames, "hello")).toHaveLength(2);
  });

  it("reconnects with backoff while the proxy refuses connections", async () => {
    await setup();
    proxy.refuseConnections(true);
    await vi.waitFor(async () => expect((await socketStatus()).reconnectAttempts).toBeGreaterThanOrEqual(3));
    expect((await socketStatus()).state).not.toBe("connected");
    proxy.refuseConnections(false);
    await vi.waitFor(async () => expect(await socketStatus()).toMatchObject({ state: "connected" }));
    await vi.waitFor(async () => expect((await socketStatus()).reconnectAttempts).toBe(0));
    expect(proxy.upgrades).toHaveLength(2);
  });

  it("stays down when superseded by a newer connection instead of fighting back", async () => {
    await setup();
    proxy.closeSockets(RELAY_CLOSE_CODES.superseded, "superseded");
    await vi.waitFor(async () =>
      expect(await socketStatus()).toMatchObject({ state: "superseded", lastCloseCode: 4001 }),
    );
    await settle();
    expect(proxy.upgrades).toHaveLength(1);
    expect(proxy.openSockets()).toBe(0);
  });

  it("ignores malformed frames and keeps the socket", async () => {
    await setup();
    proxy.sendFrame({ v: 1, type: "nonsense" } as never);
    proxy.sendFrame({ ...frameBase(), type: "deliver" } as never);
    const frame = createDeliverFrame({ from: ids.peer.agentDid, to: ids.agent.agentDid });
    proxy.sendFrame(frame);
    await vi.waitFor(() => expect(framesOfType(proxy.frames, "deliver_ack")).toHaveLength(1));
    const metrics = await node.api("GET", "/metrics");
    expect(metrics.text).toContain("clawdentity_connector_invalid_frames_total 2");
    expect(proxy.upgrades).toHaveLength(1);
  });
});
