import { deliveryReceiptEventSchema } from "@clawdentity/protocol";
import { createUlid } from "@clawdentity/sdk";
import { describe, expect, it } from "vitest";
import { expectError } from "./support/expect-error";
import { connectV2, deliverMessage, postReceipt, receiptStates } from "./support/receipt-flow";
import { createTestAgent } from "./support/test-agents";
import { createPairedAgents } from "./support/test-proxy";

describe("A receipt posted by the recipient arrives as a `receipt` frame at the sender's socket; if the sender is offline it arrives after reconnect; acked receipts are not pushed again", () => {
  it("arrives as a receipt frame, with its v2 fields, at the online sender's socket", async () => {
    const { proxy, alice, bob } = await createPairedAgents();
    const { socket: aliceSocket } = await connectV2(proxy, alice);
    const { socket: bobSocket } = await connectV2(proxy, bob);
    const messageId = await deliverMessage(proxy, alice, bobSocket, bob, { correlationId: "corr-1" });

    const posted = await postReceipt(proxy, bob, {
      messageId,
      senderAgentDid: alice.did,
      status: "delivered_to_webhook",
    });
    expect(posted.status).toBe(202);
    expect(await posted.json()).toEqual({ messageId, status: "delivered_to_webhook", state: "accepted" });
    expect(posted.headers.get("x-claw-correlation-id")).toBe("corr-1");
    expect(proxy.published).toHaveLength(1);
    expect(deliveryReceiptEventSchema.parse(proxy.published[0]).data).toMatchObject({
      messageId,
      correlationId: "corr-1",
      senderAgentDid: alice.did,
      recipientAgentDid: bob.did,
      status: "delivered_to_webhook",
    });

    const routed = await proxy.routeReceipts();
    expect(routed.retryMessages).toEqual([]);
    expect(routed.explicitAcks).toHaveLength(1);
    const receipt = await aliceSocket.next("receipt");
    expect(receipt).toMatchObject({
      v: 1,
      originalFrameId: messageId,
      toAgentDid: bob.did,
      status: "delivered_to_webhook",
      messageId,
      correlationId: "corr-1",
      at: new Date(proxy.clock.nowMs()).toISOString(),
    });
    aliceSocket.ackReceipt(receipt.id);
    await aliceSocket.sync();
    expect(await receiptStates(proxy, alice.did)).toEqual([
      { messageId, status: "delivered_to_webhook", state: "acked" },
    ]);
    aliceSocket.close();
    bobSocket.close();
  });

  it("arrives after reconnect when the sender was offline, again until acked, and never once acked", async () => {
    const { proxy, alice, bob } = await createPairedAgents();
    const { socket: bobSocket } = await connectV2(proxy, bob);
    const messageId = await deliverMessage(proxy, alice, bobSocket, bob);
    await postReceipt(proxy, bob, { messageId, senderAgentDid: alice.did, status: "delivered_to_webhook" });
    await proxy.routeReceipts();

    const first = await connectV2(proxy, alice);
    expect(first.helloAck.pendingReceipts).toBe(1);
    const pushed = await first.socket.next("receipt");
    expect(pushed).toMatchObject({ messageId, status: "delivered_to_webhook" });
    // Not acknowledged: a new connection gets the same receipt, with the same frame id.
    first.socket.close();
    await first.socket.closed;
    const second = await connectV2(proxy, alice);
    expect(second.helloAck.pendingReceipts).toBe(1);
    const again = await second.socket.next("receipt");
    expect(again.id).toBe(pushed.id);
    second.socket.ackReceipt(again.id);
    await second.socket.sync();
    second.socket.close();
    await second.socket.closed;

    const third = await connectV2(proxy, alice);
    expect(third.helloAck.pendingReceipts).toBe(0);
    await third.socket.sync();
    expect(await receiptStates(proxy, alice.did)).toEqual([
      { messageId, status: "delivered_to_webhook", state: "acked" },
    ]);
    third.socket.close();
    bobSocket.close();
  });
});

describe("delivery receipts", () => {
  it("gives a v1 connector the v1 receipt frame once", async () => {
    const { proxy, alice, bob } = await createPairedAgents();
    const { socket: bobSocket } = await connectV2(proxy, bob);
    const messageId = await deliverMessage(proxy, alice, bobSocket, bob);
    await postReceipt(proxy, bob, {
      messageId,
      senderAgentDid: alice.did,
      status: "dead_lettered",
      reason: "webhook_rejected",
    });
    await proxy.routeReceipts();

    const v1 = await proxy.connect(alice);
    const receipt = await v1.next("receipt");
    expect(Object.keys(receipt).sort()).toEqual(
      ["v", "type", "id", "ts", "originalFrameId", "toAgentDid", "status", "reason"].sort(),
    );
    expect(receipt).toMatchObject({ originalFrameId: messageId, status: "dead_lettered", reason: "webhook_rejected" });
    await v1.sync();
    expect(await receiptStates(proxy, alice.did)).toEqual([{ messageId, status: "dead_lettered", state: "sent_once" }]);
    v1.close();
    bobSocket.close();
  });

  it("A receipt for a message that was never delivered to the poster is refused (spoofing); so is one posted by a third agent", async () => {
    const { proxy, alice, bob } = await createPairedAgents();
    // Never sent at all.
    await expectError(
      await postReceipt(proxy, bob, {
        messageId: createUlid(),
        senderAgentDid: alice.did,
        status: "delivered_to_webhook",
      }),
      404,
      "PROXY_RECEIPT_NOT_DELIVERED",
    );
    // Sent, but still queued: bob's connector never had it.
    const queuedId = createUlid();
    await proxy.sendMessage(alice, bob.did, "not yet", { messageId: queuedId });
    await expectError(
      await postReceipt(proxy, bob, { messageId: queuedId, senderAgentDid: alice.did, status: "delivered_to_webhook" }),
      404,
      "PROXY_RECEIPT_NOT_DELIVERED",
    );
    // Delivered to bob; carol (no relationship with alice) claims it.
    const { socket: bobSocket } = await connectV2(proxy, bob);
    await bobSocket.next("deliver");
    bobSocket.ack(queuedId, true);
    await bobSocket.sync();
    const carol = await createTestAgent(proxy.clock);
    await expectError(
      await postReceipt(proxy, carol, {
        messageId: queuedId,
        senderAgentDid: alice.did,
        status: "delivered_to_webhook",
      }),
      403,
      "PROXY_RECEIPT_FORBIDDEN",
    );
    // Even paired with alice, carol holds no delivery of that message.
    await proxy.pair(alice, carol);
    await expectError(
      await postReceipt(proxy, carol, {
        messageId: queuedId,
        senderAgentDid: alice.did,
        status: "delivered_to_webhook",
      }),
      404,
      "PROXY_RECEIPT_NOT_DELIVERED",
    );
    expect(proxy.published).toEqual([]);
    bobSocket.close();
  });

  it("answers a repeated receipt as a duplicate and publishes it once; the consumer stores it once", async () => {
    const { proxy, alice, bob } = await createPairedAgents();
    const { socket: bobSocket } = await connectV2(proxy, bob);
    const messageId = await deliverMessage(proxy, alice, bobSocket, bob);
    const body = { messageId, senderAgentDid: alice.did, status: "delivered_to_webhook" };
    expect(await (await postReceipt(proxy, bob, body)).json()).toMatchObject({ state: "accepted" });
    const repeat = await postReceipt(proxy, bob, body);
    expect(repeat.status).toBe(202);
    expect(await repeat.json()).toMatchObject({ state: "duplicate" });
    expect(proxy.published).toHaveLength(1);

    // At-least-once delivery of the same event: stored and pushed once.
    const [event] = proxy.published;
    proxy.published.push(structuredClone(event as NonNullable<typeof event>));
    const routed = await proxy.routeReceipts();
    expect(routed.explicitAcks).toHaveLength(2);
    expect(await receiptStates(proxy, alice.did)).toEqual([
      { messageId, status: "delivered_to_webhook", state: "pending" },
    ]);
    bobSocket.close();
  });

  it("refuses a malformed receipt body with a code", async () => {
    const { proxy, alice, bob } = await createPairedAgents();
    await expectError(
      await postReceipt(proxy, bob, { messageId: "nope", senderAgentDid: alice.did, status: "delivered_to_webhook" }),
      400,
      "PROXY_VALIDATION_FAILED",
    );
    await expectError(
      await postReceipt(proxy, bob, { messageId: createUlid(), senderAgentDid: alice.did, status: "opened" }),
      400,
      "PROXY_VALIDATION_FAILED",
    );
  });

  it("pushes a backlog of receipts in batches, the alarm sending what one batch left", async () => {
    const { proxy, alice, bob } = await createPairedAgents();
    const session = proxy.session(alice.did);
    const at = new Date(proxy.clock.nowMs()).toISOString();
    for (let index = 0; index < 70; index++) {
      await session.storeReceipt({
        messageId: createUlid(),
        correlationId: `c-${index}`,
        senderAgentDid: alice.did,
        recipientAgentDid: bob.did,
        status: "delivered_to_webhook",
        at,
      });
    }
    const { socket, helloAck } = await connectV2(proxy, alice);
    expect(helloAck.pendingReceipts).toBe(70);
    await socket.nextMany("receipt", 64);
    await proxy.runAlarm(alice.did);
    const rest = await socket.nextMany("receipt", 6);
    expect(rest.map((frame) => frame.correlationId)).toEqual(["c-64", "c-65", "c-66", "c-67", "c-68", "c-69"]);
    socket.close();
  });
});
