import { createUlid } from "@clawdentity/sdk";
import { describe, expect, it } from "vitest";
import type { RelaySettings } from "../src/config";
import { createTestAgent } from "./support/test-agents";
import { createTestProxy } from "./support/test-proxy";

async function setupWithQueue(count: number, settings: Partial<RelaySettings> = {}, priority?: "critical") {
  const proxy = createTestProxy(settings);
  const alice = await createTestAgent(proxy.clock);
  const bob = await createTestAgent(proxy.clock);
  await proxy.pair(alice, bob);
  const ids: string[] = [];
  for (let index = 0; index < count; index++) {
    ids.push(createUlid());
    await proxy.sendMessage(alice, bob.did, index, { messageId: ids[index], ...(priority ? { priority } : {}) });
    proxy.clock.advance(1);
  }
  return { proxy, alice, bob, ids };
}

describe("delivery circuit and attempt limits", () => {
  it("stops pushing for 30 s after 5 consecutive refusals, then tries one message", async () => {
    const { proxy, alice, bob, ids } = await setupWithQueue(5);
    const socket = await proxy.connect(bob);
    await socket.sync();
    expect(socket.take("deliver").map((frame) => frame.id)).toEqual(ids);
    for (const id of ids) socket.ack(id, false);
    await socket.sync();

    const later = createUlid();
    expect((await proxy.sendMessage(alice, bob.did, "later", { messageId: later })).status).toBe(202);
    proxy.clock.advance(1_000);
    await proxy.runAlarm(bob.did);
    await socket.sync();
    expect(socket.take("deliver")).toEqual([]);

    proxy.clock.advance(29_000);
    await proxy.runAlarm(bob.did);
    await socket.sync();
    expect(socket.take("deliver").map((frame) => frame.id)).toEqual([ids[0]]);

    socket.ack(ids[0] as string, true);
    await socket.sync();
    expect(socket.take("deliver").map((frame) => frame.id)).toEqual([...ids.slice(1), later]);
    socket.close();
  });

  it("re-opens the circuit when the half-open trial is refused", async () => {
    const { proxy, bob, ids } = await setupWithQueue(5);
    const socket = await proxy.connect(bob);
    await socket.sync();
    for (const frame of socket.take("deliver")) socket.ack(frame.id, false);
    await socket.sync();
    proxy.clock.advance(30_000);
    await proxy.runAlarm(bob.did);
    await socket.sync();
    const [trial] = socket.take("deliver");
    expect(trial?.id).toBe(ids[0]);
    socket.ack(ids[0] as string, false);
    await socket.sync();

    proxy.clock.advance(29_999);
    await proxy.runAlarm(bob.did);
    await socket.sync();
    expect(socket.take("deliver")).toEqual([]);
    proxy.clock.advance(1);
    await proxy.runAlarm(bob.did);
    await socket.sync();
    expect(socket.take("deliver")).toHaveLength(1);
    socket.close();
  });

  it("dead-letters a message after its last attempt with reason max_attempts", async () => {
    const { proxy, bob, ids } = await setupWithQueue(1, { maxAttempts: 2 });
    const messageId = ids[0] as string;
    const socket = await proxy.connect(bob);
    expect(await socket.next("deliver")).toMatchObject({ id: messageId });
    socket.ack(messageId, false);
    await socket.sync();
    proxy.clock.advance(1_000);
    await proxy.runAlarm(bob.did);
    expect(await socket.next("deliver")).toMatchObject({ id: messageId });
    socket.ack(messageId, false, "still_busy");
    await socket.sync();
    expect(await proxy.deadLetters(bob.did)).toEqual([
      { messageId, reason: "max_attempts", attempts: 2, deadLetteredAtMs: proxy.clock.nowMs() },
    ]);
    expect(await proxy.metrics(bob)).toMatchObject({ failed: 1, refused: 2, queueDepth: { normal: 0 } });
    proxy.clock.advance(60_000);
    await proxy.runAlarm(bob.did);
    await socket.sync();
    expect(socket.take("deliver")).toEqual([]);
    socket.close();
  });

  it("retries a refused critical message without a backoff delay", async () => {
    const { proxy, bob, ids } = await setupWithQueue(1, {}, "critical");
    const messageId = ids[0] as string;
    const socket = await proxy.connect(bob);
    expect(await socket.next("deliver")).toMatchObject({ id: messageId });
    socket.ack(messageId, false);
    expect(await socket.next("deliver")).toMatchObject({ id: messageId });
    socket.close();
  });
});
