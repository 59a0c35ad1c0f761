import { createUlid } from "@clawdentity/sdk";
import { describe, expect, it } from "vitest";
import { createTestAgent, type TestAgent } from "./support/test-agents";
import { createPairedAgents, createTestProxy, type TestProxy } from "./support/test-proxy";

async function connectV2(proxy: TestProxy, agent: TestAgent) {
  const socket = await proxy.connect(agent, 2);
  socket.send({ type: "hello" });
  return { socket, helloAck: await socket.next("hello_ack") };
}

describe("delivery over the relay WebSocket", () => {
  it("delivers with the messageId as frame id, and an accepted ack removes the message", async () => {
    const { proxy, alice, bob } = await createPairedAgents();
    const { socket } = await connectV2(proxy, bob);
    const messageId = createUlid();
    await proxy.sendMessage(
      alice,
      bob.did,
      { text: "hello" },
      { messageId, correlationId: "c-1", conversationId: "conv-1" },
    );
    const deliver = await socket.next("deliver");
    expect(deliver).toMatchObject({
      v: 1,
      id: messageId,
      fromAgentDid: alice.did,
      toAgentDid: bob.did,
      payload: { text: "hello" },
      conversationId: "conv-1",
      messageId,
      correlationId: "c-1",
      priority: "normal",
      attempt: 1,
    });
    socket.ack(messageId, true);
    await socket.sync();
    expect(await proxy.metrics(bob)).toMatchObject({ delivered: 1, queueDepth: { critical: 0, normal: 0, low: 0 } });
    await proxy.advance(bob.did, 10 * 60_000);
    expect(await proxy.messageStates(bob.did)).toEqual({ [messageId]: { state: "delivered", attempts: 1 } });
    socket.close();
  });

  it("redelivers a refused message after its backoff, with the same id", async () => {
    const { proxy, alice, bob } = await createPairedAgents();
    const { socket } = await connectV2(proxy, bob);
    const messageId = createUlid();
    await proxy.sendMessage(alice, bob.did, "retry me", { messageId });
    await socket.next("deliver");
    socket.ack(messageId, false, "inbox_busy");
    await socket.sync();
    expect(await proxy.messageStates(bob.did)).toEqual({ [messageId]: { state: "waiting", attempts: 1 } });

    await proxy.advance(bob.did, 999);
    expect(await proxy.messageStates(bob.did)).toEqual({ [messageId]: { state: "waiting", attempts: 1 } });

    await proxy.advance(bob.did, 1);
    expect(await socket.next("deliver")).toMatchObject({ id: messageId, messageId, attempt: 2 });
    expect((await proxy.metrics(bob)).refused).toBe(1);
    socket.close();
  });

  it("doubles the backoff on each refusal", async () => {
    const { proxy, alice, bob } = await createPairedAgents();
    const { socket } = await connectV2(proxy, bob);
    const messageId = createUlid();
    await proxy.sendMessage(alice, bob.did, "again", { messageId });
    for (const [attempt, backoffMs] of [
      [1, 1_000],
      [2, 2_000],
      [3, 4_000],
    ] as const) {
      expect(await socket.next("deliver")).toMatchObject({ id: messageId, attempt });
      socket.ack(messageId, false);
      await socket.sync();
      await proxy.advance(bob.did, backoffMs - 1);
      expect((await proxy.messageStates(bob.did))[messageId]).toEqual({ state: "waiting", attempts: attempt });
      await proxy.advance(bob.did, 1);
    }
    expect(await socket.next("deliver")).toMatchObject({ id: messageId, attempt: 4 });
    socket.close();
  });

  it("applies the ±20 % jitter to the backoff", async () => {
    const proxy = createTestProxy({}, { random: () => 0 });
    const alice = await createTestAgent(proxy.clock);
    const bob = await createTestAgent(proxy.clock);
    await proxy.pair(alice, bob);
    const { socket } = await connectV2(proxy, bob);
    const messageId = createUlid();
    await proxy.sendMessage(alice, bob.did, "jittered", { messageId });
    await socket.next("deliver");
    socket.ack(messageId, false);
    await socket.sync();
    await proxy.advance(bob.did, 799);
    expect(await proxy.messageStates(bob.did)).toEqual({ [messageId]: { state: "waiting", attempts: 1 } });
    await proxy.advance(bob.did, 1);
    expect(await socket.next("deliver")).toMatchObject({ id: messageId, attempt: 2 });
    socket.close();
  });

  it("queues while the agent is offline and delivers after it connects", async () => {
    const { proxy, alice, bob } = await createPairedAgents();
    const ids = [createUlid(), createUlid(), createUlid()];
    const firstAcceptedAt = proxy.clock.nowMs();
    for (const messageId of ids) {
      await proxy.sendMessage(alice, bob.did, { messageId }, { messageId });
      proxy.clock.advance(1_000);
    }
    const { socket, helloAck } = await connectV2(proxy, bob);
    expect(helloAck).toMatchObject({
      queuedCount: 3,
      expiredCount: 0,
      pendingReceipts: 0,
      oldestQueuedAt: new Date(firstAcceptedAt).toISOString(),
    });
    const delivered = [await socket.next("deliver"), await socket.next("deliver"), await socket.next("deliver")];
    expect(delivered.map((frame) => frame.id)).toEqual(ids);
    socket.close();
  });

  it("drains critical first, then normal, then low, oldest first within each", async () => {
    const { proxy, alice, bob } = await createPairedAgents();
    const sent: Record<string, string> = {};
    for (const [name, priority] of [
      ["low", "low"],
      ["normal-1", "normal"],
      ["critical", "critical"],
      ["normal-2", "normal"],
    ] as const) {
      sent[name] = createUlid();
      await proxy.sendMessage(alice, bob.did, name, { messageId: sent[name], priority });
      proxy.clock.advance(1);
    }
    const socket = await proxy.connect(bob);
    expect((await socket.nextMany("deliver", 4)).map((frame) => frame.payload)).toEqual([
      "critical",
      "normal-1",
      "normal-2",
      "low",
    ]);
    socket.close();
  });

  it("keeps at most the in-flight window unacknowledged", async () => {
    const { proxy, alice, bob } = await createPairedAgents({ inFlightWindow: 2 });
    const ids: string[] = [];
    for (let index = 0; index < 4; index++) {
      ids.push(createUlid());
      await proxy.sendMessage(alice, bob.did, index, { messageId: ids[index] });
    }
    const socket = await proxy.connect(bob);
    const [first, second, third, fourth] = ids;
    expect((await socket.nextMany("deliver", 2)).map((frame) => frame.id)).toEqual([first, second]);
    await socket.sync();
    expect(Object.values(await proxy.messageStates(bob.did)).map((row) => row.state)).toEqual([
      "in_flight",
      "in_flight",
      "queued",
      "queued",
    ]);
    socket.ack(first as string, true);
    expect((await socket.next("deliver")).id).toBe(third);
    await socket.sync();
    expect((await proxy.messageStates(bob.did))[fourth as string]).toEqual({ state: "queued", attempts: 0 });
    socket.close();
  });

  it("retries a message whose ack never came, and still settles a late positive ack", async () => {
    const { proxy, alice, bob } = await createPairedAgents();
    const { socket } = await connectV2(proxy, bob);
    const messageId = createUlid();
    await proxy.sendMessage(alice, bob.did, "slow", { messageId });
    await socket.next("deliver");
    await proxy.advance(bob.did, 60_000);
    await proxy.advance(bob.did, 1_000);
    expect(await socket.next("deliver")).toMatchObject({ id: messageId, attempt: 2 });
    await proxy.advance(bob.did, 60_000);
    socket.ack(messageId, true);
    await socket.sync();
    expect(await proxy.metrics(bob)).toMatchObject({ delivered: 1, queueDepth: { normal: 0 } });
    socket.close();
  });

  it("returns in-flight messages to the queue when the socket drops, and redelivers them on reconnect", async () => {
    const { proxy, alice, bob } = await createPairedAgents();
    const first = await proxy.connect(bob);
    const messageId = createUlid();
    await proxy.sendMessage(alice, bob.did, "unacked", { messageId });
    await first.next("deliver");
    first.close();
    await first.closed;
    const second = await proxy.connect(bob);
    expect(await second.next("deliver")).toMatchObject({ id: messageId });
    second.close();
  });
});
