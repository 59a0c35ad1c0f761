import { runInDurableObject } from "cloudflare:test";
import { deliveryReceiptEventSchema } from "@clawdentity/protocol";
import { createUlid } from "@clawdentity/sdk";
import { describe, expect, it } from "vitest";
import { expectError } from "./support/expect-error";
import { connectV2, deliverMessage, postReceipt, receiptStates } from "./support/receipt-flow";
import { createPairedAgents, type TestProxy } from "./support/test-proxy";
import { QUEUES, runQueueBatchWith } from "./support/test-queues";

const CONFIRM_TIMEOUT_MS = 30_000;

/** The recipient session's outbound receipt rows: whether each is still owed, and how often it went out. */
function owedReceipts(proxy: TestProxy, agentDid: string) {
  return runInDurableObject(proxy.session(agentDid), (_instance, state) =>
    state.storage.sql
      .exec<{ id: string; attempts: number; sent_at_ms: number | null }>(
        "SELECT id, attempts, sent_at_ms FROM outbound WHERE kind = 'receipt' ORDER BY id",
      )
      .toArray()
      .map((row) => ({ id: row.id, publishes: row.attempts, confirmed: row.sent_at_ms !== null })),
  );
}

describe("receipt intake after a re-queue", () => {
  it("accepts the receipt of a message pushed once and put back in the queue by a dropped socket, and settles it", async () => {
    const { proxy, alice, bob } = await createPairedAgents({ receiptConfirmTimeoutMs: CONFIRM_TIMEOUT_MS });
    const first = await connectV2(proxy, bob);
    const messageId = createUlid(proxy.clock.nowMs());
    await proxy.sendMessage(alice, bob.did, { text: "hello" }, { messageId });
    await first.socket.next("deliver");
    // The connector stored it and delivered it to its runtime, but the socket died before the ack.
    first.socket.close();
    await first.socket.closed;
    expect((await proxy.messageStates(bob.did))[messageId]).toEqual({ state: "queued", attempts: 1 });

    // The restarted connector posts the receipt before it reconnects.
    const posted = await postReceipt(proxy, bob, {
      messageId,
      senderAgentDid: alice.did,
      status: "delivered_to_webhook",
    });
    expect(posted.status).toBe(202);
    expect(await posted.json()).toMatchObject({ state: "accepted" });
    expect((await proxy.messageStates(bob.did))[messageId]).toEqual({ state: "delivered", attempts: 1 });
    expect(proxy.published.map((event) => event.data.messageId)).toEqual([messageId]);

    // Settled: the reconnecting connector is not offered it again, and a repeat is a duplicate.
    const second = await connectV2(proxy, bob);
    expect(second.helloAck.queuedCount).toBe(0);
    await second.socket.sync();
    expect(second.socket.received.filter((frame) => frame.type === "deliver")).toEqual([]);
    const repeat = await postReceipt(proxy, bob, {
      messageId,
      senderAgentDid: alice.did,
      status: "delivered_to_webhook",
    });
    expect(await repeat.json()).toMatchObject({ state: "duplicate" });
    expect(proxy.published).toHaveLength(1);
    second.socket.close();
  });

  it("accepts it while the message waits out a backoff or is still in flight; refuses one never pushed", async () => {
    const { proxy, alice, bob } = await createPairedAgents({ receiptConfirmTimeoutMs: CONFIRM_TIMEOUT_MS });
    const { socket } = await connectV2(proxy, bob);
    const refusedId = createUlid(proxy.clock.nowMs());
    await proxy.sendMessage(alice, bob.did, { n: 1 }, { messageId: refusedId });
    await socket.next("deliver");
    socket.ack(refusedId, false, "storage_unavailable");
    await socket.sync();
    expect((await proxy.messageStates(bob.did))[refusedId]?.state).toBe("waiting");
    const inFlightId = createUlid(proxy.clock.nowMs());
    await proxy.sendMessage(alice, bob.did, { n: 2 }, { messageId: inFlightId });
    await socket.next("deliver");
    expect((await proxy.messageStates(bob.did))[inFlightId]?.state).toBe("in_flight");

    for (const messageId of [refusedId, inFlightId]) {
      const posted = await postReceipt(proxy, bob, { messageId, senderAgentDid: alice.did, status: "dead_lettered" });
      expect(posted.status, messageId).toBe(202);
      expect((await proxy.messageStates(bob.did))[messageId]?.state).toBe("delivered");
    }
    socket.close();
    await socket.closed;

    // Offline now: the next message waits in the queue, never pushed, and its receipt stays refused.
    const queuedId = createUlid(proxy.clock.nowMs());
    await proxy.sendMessage(alice, bob.did, { n: 3 }, { messageId: queuedId });
    await expectError(
      await postReceipt(proxy, bob, { messageId: queuedId, senderAgentDid: alice.did, status: "delivered_to_webhook" }),
      404,
      "PROXY_RECEIPT_NOT_DELIVERED",
    );
    expect((await proxy.messageStates(bob.did))[queuedId]).toEqual({ state: "queued", attempts: 0 });
    expect(proxy.published.map((event) => event.data.messageId)).toEqual([refusedId, inFlightId]);
  });
});

describe("end-to-end confirmation of receipt events", () => {
  it("publishes an event the sender's session never stored again, with backoff, until the consumer confirms it", async () => {
    const { proxy, alice, bob } = await createPairedAgents({
      receiptConfirmTimeoutMs: CONFIRM_TIMEOUT_MS,
      noticeRetryMaxMs: 10 * 60_000,
    });
    const { socket: bobSocket } = await connectV2(proxy, bob);
    const messageId = await deliverMessage(proxy, alice, bobSocket, bob);
    await postReceipt(proxy, bob, { messageId, senderAgentDid: alice.did, status: "delivered_to_webhook" });
    const [original] = proxy.published.splice(0);
    expect(original).toBeDefined();
    // That queue message is lost in transit: nothing reaches alice's session.
    expect(await owedReceipts(proxy, bob.did)).toEqual([{ id: original?.id, publishes: 1, confirmed: false }]);

    // Not before the confirmation timeout…
    await proxy.advance(bob.did, CONFIRM_TIMEOUT_MS - 1_000);
    expect(proxy.published).toEqual([]);
    // …then published again, the same event under the same id.
    await proxy.advance(bob.did, 1_000);
    expect(proxy.published.map((event) => event.id)).toEqual([original?.id]);
    expect(deliveryReceiptEventSchema.parse(proxy.published[0]).data).toEqual(original?.data);
    proxy.published.splice(0);
    // Lost again: the next wait is longer (backoff), not another 30 s.
    await proxy.advance(bob.did, CONFIRM_TIMEOUT_MS);
    expect(proxy.published).toEqual([]);
    await proxy.advance(bob.did, CONFIRM_TIMEOUT_MS);
    expect(proxy.published.map((event) => event.id)).toEqual([original?.id]);

    // This one arrives: stored at alice's session, confirmed at bob's.
    const routed = await proxy.routeReceipts();
    expect(routed.explicitAcks).toHaveLength(1);
    expect(await receiptStates(proxy, alice.did)).toEqual([
      { messageId, status: "delivered_to_webhook", state: "pending" },
    ]);
    expect(await owedReceipts(proxy, bob.did)).toEqual([{ id: original?.id, publishes: 3, confirmed: true }]);

    // Confirmed: never published again, however long we wait.
    for (let round = 0; round < 5; round++) await proxy.advance(bob.did, 10 * 60_000);
    expect(proxy.published).toEqual([]);
    bobSocket.close();
  });

  it("a repeated or late copy of a confirmed event changes nothing: one receipt, one frame at the sender", async () => {
    const { proxy, alice, bob } = await createPairedAgents({ receiptConfirmTimeoutMs: CONFIRM_TIMEOUT_MS });
    const { socket: aliceSocket } = await connectV2(proxy, alice);
    const { socket: bobSocket } = await connectV2(proxy, bob);
    const messageId = await deliverMessage(proxy, alice, bobSocket, bob);
    await postReceipt(proxy, bob, { messageId, senderAgentDid: alice.did, status: "delivered_to_webhook" });
    // The consumer is slow: the event is published again before the first copy is handled.
    await proxy.advance(bob.did, CONFIRM_TIMEOUT_MS);
    expect(proxy.published).toHaveLength(2);
    const copies = proxy.published.map((event) => structuredClone(event));
    const routed = await proxy.routeReceipts();
    expect(routed.explicitAcks).toHaveLength(2);
    // And a third copy arrives later still (a queue redelivery).
    proxy.published.push(...copies.slice(0, 1));
    await proxy.routeReceipts();

    expect(await receiptStates(proxy, alice.did)).toEqual([
      { messageId, status: "delivered_to_webhook", state: "pending" },
    ]);
    const frame = await aliceSocket.next("receipt");
    aliceSocket.ackReceipt(frame.id);
    await aliceSocket.sync();
    expect(aliceSocket.received.filter((frame) => frame.type === "receipt")).toHaveLength(1);
    expect(await owedReceipts(proxy, bob.did)).toEqual([{ id: copies[0]?.id, publishes: 2, confirmed: true }]);
    await proxy.advance(bob.did, 60 * 60_000);
    expect(proxy.published).toEqual([]);
    aliceSocket.close();
    bobSocket.close();
  });

  it("a relay dead-letter notice is confirmed the same way", async () => {
    const { proxy, alice, bob } = await createPairedAgents({
      receiptConfirmTimeoutMs: CONFIRM_TIMEOUT_MS,
      messageTtlMs: 60_000,
    });
    const messageId = createUlid(proxy.clock.nowMs());
    await proxy.sendMessage(alice, bob.did, { text: "nobody home" }, { messageId });
    await proxy.advance(bob.did, 60_000);
    expect(proxy.published.map((event) => [event.data.messageId, event.data.status, event.data.reason])).toEqual([
      [messageId, "dead_lettered", "expired"],
    ]);
    proxy.published.splice(0);
    await proxy.advance(bob.did, CONFIRM_TIMEOUT_MS);
    expect(proxy.published.map((event) => event.data.reason)).toEqual(["expired"]);
    await proxy.routeReceipts();
    expect(await receiptStates(proxy, alice.did)).toEqual([{ messageId, status: "dead_lettered", state: "pending" }]);
    expect((await owedReceipts(proxy, bob.did)).map((row) => row.confirmed)).toEqual([true]);
  });

  it("is not confirmed when the sender's session could not store it: the queue retries, the recipient still owes it", async () => {
    const { proxy, alice, bob } = await createPairedAgents({ receiptConfirmTimeoutMs: CONFIRM_TIMEOUT_MS });
    const { socket: bobSocket } = await connectV2(proxy, bob);
    const messageId = await deliverMessage(proxy, alice, bobSocket, bob);
    await postReceipt(proxy, bob, { messageId, senderAgentDid: alice.did, status: "delivered_to_webhook" });
    const [event] = proxy.published.splice(0);
    const result = await runQueueBatchWith(QUEUES.receipts, [{ body: event, id: event?.id }], {
      clock: proxy.clock,
      session: (agentDid) => {
        if (agentDid === alice.did) throw new Error("sender's session unavailable");
        return proxy.session(agentDid);
      },
    });
    expect(result.retryMessages).toHaveLength(1);
    expect(await receiptStates(proxy, alice.did)).toEqual([]);
    expect(await owedReceipts(proxy, bob.did)).toEqual([{ id: event?.id, publishes: 1, confirmed: false }]);
    bobSocket.close();
  });
});
