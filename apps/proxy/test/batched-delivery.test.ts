import { runInDurableObject } from "cloudflare:test";
import { DEFAULTS, FRAME_BATCH_LIMITS, RELAY_CLOSE_CODES } from "@clawdentity/protocol";
import { createUlid } from "@clawdentity/sdk";
import { describe, expect, it } from "vitest";
import { connectV2, deliverMessage, postReceipt, receiptStates } from "./support/receipt-flow";
import type { TestAgent } from "./support/test-agents";
import { createPairedAgents, type TestProxy } from "./support/test-proxy";

const WINDOW = DEFAULTS.relayInFlightWindow;
/** A batching socket's window, made small here so a test can fill it past the sender's rate limit. */
const BATCH_WINDOW = 12;

/** Queues `count` messages alice → bob while bob is offline; their ids in sending order. */
async function queueMessages(proxy: TestProxy, alice: TestAgent, bob: TestAgent, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let index = 0; index < count; index++) {
    const messageId = createUlid(proxy.clock.nowMs());
    const response = await proxy.sendMessage(alice, bob.did, { index }, { messageId });
    expect(response.status).toBe(202);
    ids.push(messageId);
  }
  return ids;
}

const countIn = async (proxy: TestProxy, agentDid: string, state: string) =>
  Object.values(await proxy.messageStates(agentDid)).filter((message) => message.state === state).length;

describe("batched delivery on a v2 socket that asks for it in hello", () => {
  it("announces its window, keeps at most that many messages in flight and refills it on a batched ack", async () => {
    const { proxy, alice, bob } = await createPairedAgents({ batchWindow: BATCH_WINDOW });
    const ids = await queueMessages(proxy, alice, bob, BATCH_WINDOW + 8);
    const { socket, helloAck } = await connectV2(proxy, bob, { batch: true });
    expect(helloAck).toMatchObject({ window: BATCH_WINDOW, features: ["batch"], queuedCount: BATCH_WINDOW + 8 });

    const first = await socket.next("deliver_batch");
    expect((first.messages as Array<{ id: string }>).map((message) => message.id)).toEqual(ids.slice(0, BATCH_WINDOW));
    expect(await countIn(proxy, bob.did, "in_flight")).toBe(BATCH_WINDOW);
    expect(await countIn(proxy, bob.did, "queued")).toBe(8);

    // Five acks in one frame free five places: exactly five more go out.
    socket.ackBatch(ids.slice(0, 5));
    await socket.sync();
    const refill = await socket.nextMessages(5);
    expect(refill.map((message) => message.id)).toEqual(ids.slice(BATCH_WINDOW, BATCH_WINDOW + 5));
    expect(await countIn(proxy, bob.did, "delivered")).toBe(5);
    expect(await countIn(proxy, bob.did, "in_flight")).toBe(BATCH_WINDOW);
    expect(await countIn(proxy, bob.did, "queued")).toBe(3);
    socket.close();
  });

  it("keeps priority order inside one batch", async () => {
    const { proxy, alice, bob } = await createPairedAgents();
    const sent: Record<string, string> = {};
    for (const [name, priority] of [
      ["low", "low"],
      ["normal-1", "normal"],
      ["critical-1", "critical"],
      ["low-2", "low"],
      ["normal-2", "normal"],
      ["critical-2", "critical"],
    ] as const) {
      const messageId = createUlid(proxy.clock.nowMs());
      const response = await proxy.sendMessage(alice, bob.did, name, { messageId, priority });
      expect(response.status).toBe(202);
      sent[messageId] = name;
    }
    const { socket, helloAck } = await connectV2(proxy, bob, { batch: true });
    expect(helloAck.window).toBe(DEFAULTS.relayBatchWindow);
    const batch = await socket.next("deliver_batch");
    const entries = batch.messages as Array<{ id: string; priority: string }>;
    const order = ["critical-1", "critical-2", "normal-1", "normal-2", "low", "low-2"];
    expect(entries.map((entry) => sent[entry.id])).toEqual(order);
    expect(entries.map((entry) => entry.priority)).toEqual(["critical", "critical", "normal", "normal", "low", "low"]);
    socket.close();
  });

  it("settles each message of a batched ack on its own: one refusal leaves the others delivered", async () => {
    const { proxy, alice, bob } = await createPairedAgents();
    const [a, b, c] = (await queueMessages(proxy, alice, bob, 3)) as [string, string, string];
    const { socket } = await connectV2(proxy, bob, { batch: true });
    await socket.nextMessages(3);
    socket.ackBatch([a, c], [{ ackId: b, reason: "payload_too_complex" }]);
    await socket.sync();
    expect(await proxy.messageStates(bob.did)).toEqual({
      [a]: { state: "delivered", attempts: 1 },
      [b]: { state: "waiting", attempts: 1 },
      [c]: { state: "delivered", attempts: 1 },
    });
    // The refused one comes back after its backoff, alone, as attempt 2.
    await proxy.advance(bob.did, DEFAULTS.relayRetryBaseMs);
    expect(await socket.next("deliver")).toMatchObject({ id: b, attempt: 2 });
    socket.close();
  });

  it("pushes a batch unacked on a closed socket again, same ids, on the next connection", async () => {
    const { proxy, alice, bob } = await createPairedAgents();
    const ids = await queueMessages(proxy, alice, bob, 4);
    const first = await connectV2(proxy, bob, { batch: true });
    expect((await first.socket.nextMessages(4)).map((message) => message.id)).toEqual(ids);
    // The connector committed them, then its socket died before the ack went out.
    first.socket.close();
    await first.socket.closed;
    await expect.poll(() => countIn(proxy, bob.did, "in_flight"), { timeout: 10_000 }).toBe(0);

    const second = await connectV2(proxy, bob, { batch: true });
    const again = await second.socket.nextMessages(4);
    expect(again.map((message) => message.id)).toEqual(ids);
    expect(again.map((message) => message.attempt)).toEqual([2, 2, 2, 2]);
    second.socket.ackBatch(ids);
    await second.socket.sync();
    expect(await countIn(proxy, bob.did, "delivered")).toBe(4);
    second.socket.close();
  });

  it("still sends one deliver per message to a v1 socket and to a v2 socket that did not ask", async () => {
    const { proxy, alice, bob } = await createPairedAgents();
    const ids = await queueMessages(proxy, alice, bob, 3);
    const v1 = await proxy.connect(bob);
    expect((await v1.nextMany("deliver", 3)).map((frame) => frame.id)).toEqual(ids);
    for (const id of ids) v1.ack(id, true);
    await v1.sync();
    expect(v1.received.some((frame) => frame.type === "deliver_batch")).toBe(false);
    // A v1 socket may not send a batched ack.
    v1.send({ type: "deliver_ack_batch", accepted: [], refused: [] });
    expect((await v1.closed).code).toBe(RELAY_CLOSE_CODES.protocolError);

    const later = await queueMessages(proxy, alice, bob, 3);
    const { socket: plain, helloAck } = await connectV2(proxy, bob);
    expect(helloAck).toMatchObject({ window: WINDOW, features: [] });
    expect((await plain.nextMany("deliver", 3)).map((frame) => frame.id)).toEqual(later);
    expect(plain.received.some((frame) => frame.type === "deliver_batch")).toBe(false);
    plain.close();
  });
});

describe("batched receipts on a v2 socket that asks for them in hello", () => {
  it("pushes waiting receipts in one receipt_batch and settles them on one batched ack", async () => {
    const { proxy, alice, bob } = await createPairedAgents();
    const { socket: bobSocket } = await connectV2(proxy, bob);
    const ids: string[] = [];
    for (let index = 0; index < 3; index++) {
      const messageId = await deliverMessage(proxy, alice, bobSocket, bob);
      await postReceipt(proxy, bob, { messageId, senderAgentDid: alice.did, status: "delivered_to_webhook" });
      ids.push(messageId);
    }
    await proxy.routeReceipts();

    const first = await connectV2(proxy, alice, { batch: true });
    expect(first.helloAck.pendingReceipts).toBe(3);
    const batch = await first.socket.next("receipt_batch");
    const receipts = batch.receipts as Array<{ id: string; messageId: string; status: string }>;
    expect(receipts.map((receipt) => receipt.messageId).sort()).toEqual([...ids].sort());
    expect(receipts.every((receipt) => receipt.status === "delivered_to_webhook")).toBe(true);
    first.socket.ackReceiptBatch(receipts.map((receipt) => receipt.id));
    await first.socket.sync();
    expect((await receiptStates(proxy, alice.did)).map((receipt) => receipt.state)).toEqual([
      "acked",
      "acked",
      "acked",
    ]);
    first.socket.close();
    await first.socket.closed;

    const second = await connectV2(proxy, alice, { batch: true });
    expect(second.helloAck.pendingReceipts).toBe(0);
    second.socket.close();
    bobSocket.close();
  });

  it("more receipts than one push sends: the wake asked for the rest holds while acks come in", async () => {
    const { proxy, alice, bob } = await createPairedAgents();
    const { socket } = await connectV2(proxy, alice, { batch: true });
    const count = FRAME_BATCH_LIMITS.maxMessages + 10;
    const at = new Date(proxy.clock.nowMs()).toISOString();
    const data = Array.from({ length: count }, () => ({
      messageId: createUlid(proxy.clock.nowMs()),
      correlationId: "c",
      senderAgentDid: alice.did,
      recipientAgentDid: bob.did,
      status: "delivered_to_webhook" as const,
      at,
    }));
    await proxy.session(alice.did).storeReceipts(data);
    const first = (await socket.next("receipt_batch")).receipts as Array<{ id: string }>;
    expect(first).toHaveLength(FRAME_BATCH_LIMITS.maxMessages);
    // The ack reschedules from the session's own due times; the wake for the rest must stay.
    socket.ackReceiptBatch(first.map((receipt) => receipt.id));
    await socket.sync();
    const alarmAt = await runInDurableObject(proxy.session(alice.did), (_instance, state) => state.storage.getAlarm());
    expect(alarmAt).not.toBeNull();
    expect(alarmAt as number).toBeLessThanOrEqual(proxy.clock.nowMs());

    expect(await proxy.runAlarm(alice.did)).toBe(true);
    const rest = (await socket.next("receipt_batch")).receipts as Array<{ id: string }>;
    expect(rest).toHaveLength(10);
    socket.close();
  });
});
