import { deliveryReceiptEventSchema } from "@clawdentity/protocol";
import { createUlid } from "@clawdentity/sdk";
import { describe, expect, it } from "vitest";
import { connectV2 } from "./support/receipt-flow";
import { createTestAgent } from "./support/test-agents";
import { createPairedAgents, createTestProxy } from "./support/test-proxy";

const SIX_HOURS_MS = 6 * 3_600_000;

describe("dead-letter notices", () => {
  it("An expired message yields a `dead_lettered` receipt with reason `expired` at the sender", async () => {
    const { proxy, alice, bob } = await createPairedAgents();
    const { socket: aliceSocket } = await connectV2(proxy, alice);
    const messageId = createUlid();
    await proxy.sendMessage(alice, bob.did, "too late", { messageId, correlationId: "corr-expired" });

    await proxy.advance(bob.did, SIX_HOURS_MS);
    expect(await proxy.deadLetters(bob.did)).toMatchObject([{ messageId, reason: "expired" }]);
    // The alarm that expired it also published the notice (persisted first, in the same transaction).
    expect(proxy.published.map((event) => deliveryReceiptEventSchema.parse(event).data)).toEqual([
      {
        messageId,
        correlationId: "corr-expired",
        senderAgentDid: alice.did,
        recipientAgentDid: bob.did,
        status: "dead_lettered",
        reason: "expired",
        at: new Date(proxy.clock.nowMs()).toISOString(),
      },
    ]);
    await proxy.routeReceipts();
    expect(await aliceSocket.next("receipt")).toMatchObject({
      originalFrameId: messageId,
      toAgentDid: bob.did,
      status: "dead_lettered",
      reason: "expired",
      correlationId: "corr-expired",
    });
    aliceSocket.close();
  });

  it("notifies the sender of a message shed at capacity and of one out of attempts", async () => {
    const { proxy, alice, bob } = await createPairedAgents({ queueCapacity: 1, maxAttempts: 1 });
    const low = createUlid();
    await proxy.sendMessage(alice, bob.did, "low", { messageId: low, priority: "low" });
    const urgent = createUlid();
    await proxy.sendMessage(alice, bob.did, "urgent", { messageId: urgent, priority: "critical" });
    const socket = await proxy.connect(bob);
    await socket.next("deliver");
    socket.ack(urgent, false, "inbox_full");
    await socket.sync();
    await proxy.flushOutbound(bob.did);
    expect(proxy.published.map((event) => [event.data.messageId, event.data.reason])).toEqual([
      [low, "queue_full"],
      [urgent, "max_attempts"],
    ]);
    socket.close();
  });

  it("keeps a notice whose publish failed and publishes it from the alarm after a backoff", async () => {
    const { proxy, alice, bob } = await createPairedAgents();
    const messageId = createUlid();
    await proxy.sendMessage(alice, bob.did, "doomed", { messageId });
    proxy.failNextPublishes(1);
    await proxy.advance(bob.did, SIX_HOURS_MS);
    expect(proxy.published).toEqual([]);

    await proxy.advance(bob.did, 999);
    expect(proxy.published).toEqual([]);
    await proxy.advance(bob.did, 1);
    expect(proxy.published.map((event) => event.data.messageId)).toEqual([messageId]);
    // Stored at the sender's session and confirmed: later alarms publish nothing more.
    await proxy.routeReceipts();
    await proxy.advance(bob.did, 60 * 60_000);
    expect(proxy.published).toEqual([]);
  });

  it("publishes a notice to the real receipts queue, whose consumer pushes it to the sender", async () => {
    const proxy = createTestProxy({}, { realReceiptsQueue: true });
    const alice = await createTestAgent(proxy.clock);
    const bob = await createTestAgent(proxy.clock);
    await proxy.pair(alice, bob);
    const { socket: aliceSocket } = await connectV2(proxy, alice);
    const messageId = createUlid();
    await proxy.sendMessage(alice, bob.did, "through the queue", { messageId });
    await proxy.advance(bob.did, SIX_HOURS_MS);
    // Miniflare's queue delivers the batch to this Worker's queue() within its batch timeout.
    expect(await aliceSocket.next("receipt")).toMatchObject({ messageId, status: "dead_lettered", reason: "expired" });
    aliceSocket.close();
  });
});
