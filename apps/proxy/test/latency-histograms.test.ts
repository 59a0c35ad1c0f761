import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { RELAY_PATHS } from "@clawdentity/protocol";
import { createUlid } from "@clawdentity/sdk";
import { describe, expect, it } from "vitest";
import { createRegistryClient } from "../src/auth";
import { parseProxyConfig } from "../src/config";
import { toMetricsShard } from "../src/metrics";
import { connectV2 } from "./support/receipt-flow";
import { scrapeMetrics } from "./support/scrape-metrics";
import type { TestAgent } from "./support/test-agents";
import { toRevokedEvent } from "./support/test-events";
import { createPairedAgents, type TestProxy } from "./support/test-proxy";
import { QUEUES, runQueueBatchWith } from "./support/test-queues";
import type { TestSocket } from "./support/test-socket";

const FLUSH_INTERVAL_MS = 30_000;
const LATENCY = "clawdentity_proxy_relay_delivery_latency_seconds";

const scrape = scrapeMetrics;

/** sender → recipient, acknowledged by the recipient's connector `delayMs` after the relay accepted it. */
async function deliverAfter(
  proxy: TestProxy,
  sender: TestAgent,
  recipient: { agent: TestAgent; socket: TestSocket },
  delayMs: number,
  priority: "critical" | "normal" | "low",
) {
  const messageId = createUlid(proxy.clock.nowMs());
  const response = await proxy.sendMessage(sender, recipient.agent.did, { text: "hi" }, { messageId, priority });
  expect(response.status).toBe(202);
  await recipient.socket.next("deliver");
  proxy.clock.advance(delayMs);
  recipient.socket.ack(messageId, true);
  await recipient.socket.sync();
}

/** Resets a Durable Object: the next call constructs a new instance over the same storage. */
const restart = (stub: DurableObjectStub) =>
  runInDurableObject(stub, (_instance, state) => state.abort("restart")).catch(() => {});

describe("relay latency histograms", () => {
  it("add up across sessions through the sharded aggregate, and survive restarts of sessions and shards", async () => {
    const { proxy, alice, bob } = await createPairedAgents();
    const before = await scrape(proxy);
    const grew = (now: Map<string, number>, series: string) => (now.get(series) ?? 0) - (before.get(series) ?? 0);
    const aliceSide = { agent: alice, socket: (await connectV2(proxy, alice)).socket };
    const bobSide = { agent: bob, socket: (await connectV2(proxy, bob)).socket };

    await deliverAfter(proxy, alice, bobSide, 3_000, "normal");
    await deliverAfter(proxy, bob, aliceSide, 40_000, "critical");
    // Written behind in bob's session (a read writes what is held) but not flushed to the
    // aggregate yet: a restart of the session must not lose it.
    await proxy.session(bob.did).getMetrics();
    await restart(proxy.session(bob.did));
    proxy.clock.advance(FLUSH_INTERVAL_MS);
    await proxy.session(bob.did).flushMetrics();
    await proxy.session(alice.did).flushMetrics();

    const after = await scrape(proxy);
    expect(grew(after, `${LATENCY}_bucket{priority="normal",le="2.5"}`)).toBe(0);
    expect(grew(after, `${LATENCY}_bucket{priority="normal",le="5"}`)).toBe(1);
    expect(grew(after, `${LATENCY}_bucket{priority="normal",le="+Inf"}`)).toBe(1);
    expect(grew(after, `${LATENCY}_sum{priority="normal"}`)).toBe(3);
    expect(grew(after, `${LATENCY}_count{priority="normal"}`)).toBe(1);
    expect(grew(after, `${LATENCY}_bucket{priority="critical",le="30"}`)).toBe(0);
    expect(grew(after, `${LATENCY}_bucket{priority="critical",le="60"}`)).toBe(1);
    expect(grew(after, `${LATENCY}_sum{priority="critical"}`)).toBe(40);
    expect(grew(after, "clawdentity_proxy_relay_sockets_opened_total")).toBe(2);
    // The restart dropped bob's socket; alice's is still open.
    expect(grew(after, "clawdentity_proxy_relay_sockets_open")).toBe(1);

    // Shards restarted: the exact sums are read back from storage.
    const { metricsShards } = parseProxyConfig(env).relay;
    for (let index = 0; index < metricsShards; index++) await restart(toMetricsShard(env, index));
    const latencySeries = (series: Map<string, number>) => [...series].filter(([key]) => key.startsWith(LATENCY));
    expect(latencySeries(await scrape(proxy))).toEqual(latencySeries(after));

    const latency = await proxy.send(alice, RELAY_PATHS.relayLatency);
    expect(latency.status).toBe(200);
    const { relayDelivery } = (await latency.json()) as {
      relayDelivery: { p50Seconds: number; p99Seconds: number; count: number };
    };
    expect(relayDelivery.count).toBeGreaterThanOrEqual(2);
    expect(relayDelivery.p99Seconds).toBeGreaterThan(30);
    expect(relayDelivery.p99Seconds).toBeLessThanOrEqual(60);
  });

  it("count a superseded socket and report sockets open only while one is", async () => {
    const { proxy, bob } = await createPairedAgents();
    const before = await scrape(proxy);
    const grew = (now: Map<string, number>, series: string) => (now.get(series) ?? 0) - (before.get(series) ?? 0);
    const first = await connectV2(proxy, bob);
    const second = await connectV2(proxy, bob);
    await first.socket.closed;
    proxy.clock.advance(FLUSH_INTERVAL_MS);
    await proxy.session(bob.did).flushMetrics();
    let after = await scrape(proxy);
    expect(grew(after, "clawdentity_proxy_relay_sockets_opened_total")).toBe(2);
    expect(grew(after, "clawdentity_proxy_relay_sockets_superseded_total")).toBe(1);
    expect(grew(after, "clawdentity_proxy_relay_sockets_open")).toBe(1);

    second.socket.close();
    await second.socket.closed;
    proxy.clock.advance(FLUSH_INTERVAL_MS);
    await proxy.session(bob.did).flushMetrics();
    after = await scrape(proxy);
    expect(grew(after, "clawdentity_proxy_relay_sockets_open")).toBe(0);
  });

  it("time queue messages from enqueue to consume, per queue", async () => {
    const { proxy, bob } = await createPairedAgents();
    const before = await scrape(proxy);
    await runQueueBatchWith(
      QUEUES.events,
      [{ body: toRevokedEvent(bob, "agent_revoked"), timestamp: new Date(proxy.clock.nowMs() - 90_000) }],
      { clock: proxy.clock },
    );
    const after = await scrape(proxy);
    const age = (le: string) => {
      const series = `clawdentity_proxy_queue_message_age_seconds_bucket{queue="${QUEUES.events}",le="${le}"}`;
      return (after.get(series) ?? 0) - (before.get(series) ?? 0);
    };
    expect(age("60")).toBe(0);
    expect(age("120")).toBe(1);
  });

  it("time registry calls by call and outcome, failures included", async () => {
    const calls: Array<[string, string, number]> = [];
    const config = parseProxyConfig(env);
    let nowMs = 1_000_000;
    const client = createRegistryClient({
      config,
      clock: { nowMs: () => nowMs },
      fetchRegistry: async () => {
        nowMs += 250;
        return new Response("unavailable", { status: 503 });
      },
      recordCall: (call, outcome, seconds) => calls.push([call, outcome, seconds]),
    });
    await expect(client.fetchCrl()).rejects.toThrow(/503/);
    expect(calls).toEqual([["crl", "failure", 0.25]]);

    // Through the app: the stub registry answers the key fetch of the first signed request.
    const { proxy, bob } = await createPairedAgents();
    await proxy.send(bob, RELAY_PATHS.relayMetrics);
    proxy.clock.advance(FLUSH_INTERVAL_MS);
    await proxy.fetch(new Request(`https://proxy.test${RELAY_PATHS.health}`));
    const after = await scrape(proxy);
    expect(
      after.get('clawdentity_proxy_registry_request_duration_seconds_count{call="keys",outcome="success"}'),
    ).toBeGreaterThanOrEqual(1);
  });
});
