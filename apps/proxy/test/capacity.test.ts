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
  it("sheds the oldest low message first to admit a normal one", async () => {
    const { proxy, alice, bob } = await createPairedAgents({ queueCapacity: 3 });
    const [lowOld, lowNew, normal] = await fill(proxy, alice, bob, ["low", "low", "normal"]);
    const [incoming] = await fill(proxy, alice, bob, ["normal"]);
    expect(await deliveredOrder(proxy, bob)).toEqual([normal, incoming, lowNew]);
    expect(await proxy.deadLetters(bob.did)).toEqual([
      { messageId: lowOld, reason: "queue_full", attempts: 0, deadLetteredAtMs: proxy.clock.nowMs() - 1 },
    ]);
    expect((await proxy.metrics(bob)).failed).toBe(1);
  });

  it("sheds normal when no low is left, for a critical message", async () => {
    const { proxy, alice, bob } = await createPairedAgents({ queueCapacity: 2 });
    const [normalOld, normalNew] = await fill(proxy, alice, bob, ["normal", "normal"]);
    const [critical] = await fill(proxy, alice, bob, ["critical"]);
    expect(await deliveredOrder(proxy, bob)).toEqual([critical, normalNew]);
    expect((await proxy.deadLetters(bob.did)).map((letter) => [letter.messageId, letter.reason])).toEqual([
      [normalOld, "queue_full"],
    ]);
  });

  it("never sheds critical for lower priorities: 507 when nothing can be shed", async () => {
    const { proxy, alice, bob } = await createPairedAgents({ queueCapacity: 2 });
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
    const { proxy, alice, bob } = await createPairedAgents({ queueCapacity: 2 });
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
});
