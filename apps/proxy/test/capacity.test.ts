import type { Priority } from "@clawdentity/protocol";
import { createUlid } from "@clawdentity/sdk";
import { describe, expect, it } from "vitest";
import { expectError } from "./support/expect-error";
import type { TestAgent } from "./support/test-agents";
import { createTestAgent } from "./support/test-agents";
import { createPairedAgents, createTestProxy, type TestProxy } from "./support/test-proxy";

async function fill(proxy: TestProxy, sender: TestAgent, recipient: TestAgent, priorities: Priority[]) {
  const ids: string[] = [];
  for (const priority of priorities) {
    const messageId = createUlid();
    expect((await proxy.sendMessage(sender, recipient.did, { priority }, { messageId, priority })).status).toBe(202);
    ids.push(messageId);
    proxy.clock.advance(1);
  }
  return ids;
}

/** Connects the recipient and returns the ids of everything it holds, in delivery order. */
async function deliveredOrder(proxy: TestProxy, recipient: TestAgent): Promise<string[]> {
  const { queueDepth } = await proxy.metrics(recipient);
  const socket = await proxy.connect(recipient);
  const frames = await socket.nextMany("deliver", queueDepth.critical + queueDepth.normal + queueDepth.low);
  socket.close();
  return frames.map((frame) => frame.id);
}

describe("recipient queue capacity", () => {
  // These tests have one sender fill the whole queue: its share (operator policy) is the whole queue.
  it("sheds the oldest low message first to admit a normal one", async () => {
    const { proxy, alice, bob } = await createPairedAgents({ queueCapacity: 3, senderQueueShare: 1 });
    const [lowOld, lowNew, normal] = await fill(proxy, alice, bob, ["low", "low", "normal"]);
    const [incoming] = await fill(proxy, alice, bob, ["normal"]);
    expect(await deliveredOrder(proxy, bob)).toEqual([normal, incoming, lowNew]);
    expect(await proxy.deadLetters(bob.did)).toEqual([
      { messageId: lowOld, reason: "queue_full", attempts: 0, deadLetteredAtMs: proxy.clock.nowMs() - 1 },
    ]);
    expect((await proxy.metrics(bob)).failed).toBe(1);
  });

  it("sheds normal when no low is left, for a critical message", async () => {
    const { proxy, alice, bob } = await createPairedAgents({ queueCapacity: 2, senderQueueShare: 1 });
    const [normalOld, normalNew] = await fill(proxy, alice, bob, ["normal", "normal"]);
    const [critical] = await fill(proxy, alice, bob, ["critical"]);
    expect(await deliveredOrder(proxy, bob)).toEqual([critical, normalNew]);
    expect((await proxy.deadLetters(bob.did)).map((letter) => [letter.messageId, letter.reason])).toEqual([
      [normalOld, "queue_full"],
    ]);
  });

  it("never sheds critical for lower priorities: 507 when nothing can be shed", async () => {
    const { proxy, alice, bob } = await createPairedAgents({ queueCapacity: 2, senderQueueShare: 1 });
    await fill(proxy, alice, bob, ["critical", "critical"]);
    const error = await expectError(
      await proxy.sendMessage(alice, bob.did, {}, { priority: "low" }),
      507,
      "PROXY_QUEUE_FULL",
    );
    expect(error.details).toEqual({ scope: "recipient_capacity" });
    await expectError(await proxy.sendMessage(alice, bob.did, {}, { priority: "normal" }), 507, "PROXY_QUEUE_FULL");
    await expectError(await proxy.sendMessage(alice, bob.did, {}, { priority: "critical" }), 507, "PROXY_QUEUE_FULL");
  });

  it("does not shed a message of the same priority (507 instead)", async () => {
    const { proxy, alice, bob } = await createPairedAgents({ queueCapacity: 2, senderQueueShare: 1 });
    await fill(proxy, alice, bob, ["low", "low"]);
    await expectError(await proxy.sendMessage(alice, bob.did, {}, { priority: "low" }), 507, "PROXY_QUEUE_FULL");
    expect((await proxy.metrics(bob)).queueDepth.low).toBe(2);
  });

  it("applies the pair's queue quota to that sender only", async () => {
    const proxy = createTestProxy();
    const alice = await createTestAgent(proxy.clock);
    const bob = await createTestAgent(proxy.clock);
    const carol = await createTestAgent(proxy.clock);
    await proxy.pair(bob, alice, { queueQuota: 2 });
    await proxy.pair(bob, carol);
    await fill(proxy, alice, bob, ["normal", "normal"]);
    const error = await expectError(await proxy.sendMessage(alice, bob.did, {}), 507, "PROXY_QUEUE_FULL");
    expect(error.details).toEqual({ scope: "pair_quota" });
    expect((await proxy.sendMessage(carol, bob.did, {})).status).toBe(202);
    const [critical] = await fill(proxy, alice, bob, ["critical"]);
    expect((await deliveredOrder(proxy, bob))[0]).toBe(critical);
  });

  it("no sender takes more than its share of a recipient's queue, critical included: other senders still get in", async () => {
    // The audit's case: alice asks for a huge quota in her ticket and floods an offline bob with critical messages.
    const proxy = createTestProxy({ queueCapacity: 8, senderQueueShare: 0.25, senderRateLimitPerMinute: 1_000 });
    const alice = await createTestAgent(proxy.clock);
    const bob = await createTestAgent(proxy.clock);
    const carol = await createTestAgent(proxy.clock);
    await proxy.pair(alice, bob, { rateLimitPerMinute: 100_000, queueQuota: 1_000_000 });
    await proxy.pair(carol, bob);
    await fill(proxy, alice, bob, ["critical", "critical"]);
    const error = await expectError(
      await proxy.sendMessage(alice, bob.did, {}, { priority: "critical" }),
      507,
      "PROXY_QUEUE_FULL",
    );
    expect(error.details).toEqual({ scope: "pair_quota" });
    expect((await proxy.sendMessage(carol, bob.did, {}, { priority: "low" })).status).toBe(202);
    expect((await proxy.metrics(bob)).queueDepth).toEqual({ critical: 2, normal: 0, low: 1 });
  });

  it("a recipient's pairing quota may lower a sender's share, never raise it", async () => {
    const proxy = createTestProxy({ queueCapacity: 8, senderQueueShare: 0.25 });
    const alice = await createTestAgent(proxy.clock);
    const bob = await createTestAgent(proxy.clock);
    const carol = await createTestAgent(proxy.clock);
    // bob initiates: his ticket's limits are what he allows alice (and, separately, carol) to send to him.
    await proxy.pair(bob, alice, { queueQuota: 1 });
    await proxy.pair(bob, carol, { queueQuota: 50 });
    await fill(proxy, alice, bob, ["normal"]);
    await expectError(await proxy.sendMessage(alice, bob.did, {}), 507, "PROXY_QUEUE_FULL");
    await fill(proxy, carol, bob, ["normal", "normal"]);
    await expectError(await proxy.sendMessage(carol, bob.did, {}), 507, "PROXY_QUEUE_FULL");
  });
});
