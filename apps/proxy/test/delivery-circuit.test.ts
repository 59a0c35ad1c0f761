import { createUlid } from "@clawdentity/sdk";
import { describe, expect, it } from "vitest";
import type { RelaySettings } from "../src/config";
import { createPairedAgents, type TestProxy } from "./support/test-proxy";

async function setupWithQueue(count: number, settings: Partial<RelaySettings> = {}, priority?: "critical") {
  const { proxy, alice, bob } = await createPairedAgents(settings);
  const ids: string[] = [];
  for (let index = 0; index < count; index++) {
    ids.push(createUlid());
    await proxy.sendMessage(alice, bob.did, index, { messageId: ids[index], ...(priority ? { priority } : {}) });
    proxy.clock.advance(1);
  }
  return { proxy, alice, bob, ids };
}

/** The messages pushed and not yet acknowledged: what the socket was sent since the last settle. */
async function inFlight(proxy: TestProxy, agentDid: string): Promise<string[]> {
  const states = await proxy.messageStates(agentDid);
  return Object.entries(states)
    .filter(([, row]) => row.state === "in_flight")
    .map(([messageId]) => messageId);
}

describe("delivery circuit and attempt limits", () => {
  it("stops pushing for 30 s after 5 consecutive refusals, then tries one message", async () => {
    const { proxy, alice, bob, ids } = await setupWithQueue(5);
    const socket = await proxy.connect(bob);
    expect((await socket.nextMany("deliver", 5)).map((frame) => frame.id)).toEqual(ids);
    for (const id of ids) socket.ack(id, false);
    await socket.sync();

    const later = createUlid();
    expect((await proxy.sendMessage(alice, bob.did, "later", { messageId: later })).status).toBe(202);
    await proxy.advance(bob.did, 1_000);
    expect(await inFlight(proxy, bob.did)).toEqual([]);

    await proxy.advance(bob.did, 29_000);
    expect((await socket.next("deliver")).id).toBe(ids[0]);
    expect(await inFlight(proxy, bob.did)).toEqual([ids[0]]);

    socket.ack(ids[0] as string, true);
    expect((await socket.nextMany("deliver", 5)).map((frame) => frame.id)).toEqual([...ids.slice(1), later]);
    socket.close();
  });

  it("re-opens the circuit when the half-open trial is refused", async () => {
    const { proxy, bob, ids } = await setupWithQueue(5);
    const socket = await proxy.connect(bob);
    for (const frame of await socket.nextMany("deliver", 5)) socket.ack(frame.id, false);
    await socket.sync();
    await proxy.advance(bob.did, 30_000);
    expect((await socket.next("deliver")).id).toBe(ids[0]);
    socket.ack(ids[0] as string, false);
    await socket.sync();

    await proxy.advance(bob.did, 29_999);
    expect(await inFlight(proxy, bob.did)).toEqual([]);
    await proxy.advance(bob.did, 1);
    expect(await socket.next("deliver")).toMatchObject({ id: ids[0] });
    expect(await inFlight(proxy, bob.did)).toEqual([ids[0]]);
    socket.close();
  });

  it("dead-letters a message after its last attempt with reason max_attempts", async () => {
    const { proxy, bob, ids } = await setupWithQueue(1, { maxAttempts: 2 });
    const messageId = ids[0] as string;
    const socket = await proxy.connect(bob);
    expect(await socket.next("deliver")).toMatchObject({ id: messageId });
    socket.ack(messageId, false);
    await socket.sync();
    await proxy.advance(bob.did, 1_000);
    expect(await socket.next("deliver")).toMatchObject({ id: messageId });
    socket.ack(messageId, false, "still_busy");
    await socket.sync();
    expect(await proxy.deadLetters(bob.did)).toEqual([
      { messageId, reason: "max_attempts", attempts: 2, deadLetteredAtMs: proxy.clock.nowMs() },
    ]);
    expect(await proxy.metrics(bob)).toMatchObject({ failed: 1, refused: 2, queueDepth: { normal: 0 } });
    await proxy.advance(bob.did, 60_000);
    expect(await proxy.messageStates(bob.did)).toEqual({ [messageId]: { state: "dead_lettered", attempts: 2 } });
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
