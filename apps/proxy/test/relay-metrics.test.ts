import { RELAY_PATHS, relayMetricsResponseSchema } from "@clawdentity/protocol";
import { createUlid } from "@clawdentity/sdk";
import { describe, expect, it } from "vitest";
import { createTestAgent } from "./support/test-agents";
import { createTestProxy } from "./support/test-proxy";

describe("GET /v1/relay/metrics", () => {
  it("starts empty, with null latency percentiles", async () => {
    const proxy = createTestProxy();
    const agent = await createTestAgent(proxy.clock);
    const response = await proxy.send(agent, RELAY_PATHS.relayMetrics);
    expect(relayMetricsResponseSchema.parse(await response.json())).toEqual({
      queueDepth: { critical: 0, normal: 0, low: 0 },
      delivered: 0,
      refused: 0,
      failed: 0,
      expired: 0,
      deliveryLatencyMs: { p50: null, p90: null, p99: null },
    });
  });

  it("counts depth by priority, deliveries, refusals, and delivery latency percentiles", async () => {
    const proxy = createTestProxy();
    const alice = await createTestAgent(proxy.clock);
    const bob = await createTestAgent(proxy.clock);
    await proxy.pair(alice, bob);
    const socket = await proxy.connect(bob);
    for (const latencyMs of [100, 300, 200]) {
      const messageId = createUlid();
      await proxy.sendMessage(alice, bob.did, latencyMs, { messageId });
      await socket.next("deliver");
      proxy.clock.advance(latencyMs);
      socket.ack(messageId, true);
      await socket.sync();
    }
    const refusedId = createUlid();
    await proxy.sendMessage(alice, bob.did, "refused", { messageId: refusedId, priority: "low" });
    await socket.next("deliver");
    socket.ack(refusedId, false);
    await socket.sync();
    socket.close();
    await proxy.sendMessage(alice, bob.did, "queued", { priority: "critical" });

    expect(await proxy.metrics(bob)).toEqual({
      queueDepth: { critical: 1, normal: 0, low: 1 },
      delivered: 3,
      refused: 1,
      failed: 0,
      expired: 0,
      deliveryLatencyMs: { p50: 200, p90: 300, p99: 300 },
    });
  });
});
