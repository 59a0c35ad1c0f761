import { messageStatusResponseSchema, RELAY_PATHS } from "@clawdentity/protocol";
import { createUlid } from "@clawdentity/sdk";
import { describe, expect, it } from "vitest";
import { expectError } from "./support/expect-error";
import { connectV2, deliverMessage, postReceipt, receiptStates } from "./support/receipt-flow";
import { createPairedAgents } from "./support/test-proxy";

const iso = (ms: number) => new Date(ms).toISOString();

describe("GET /v1/relay/messages/:messageId", () => {
  it("shows the sender accepted, queued, delivered to connector and the receipt, with times and attempts", async () => {
    const { proxy, alice, bob } = await createPairedAgents();
    const acceptedAt = proxy.clock.nowMs();
    const messageId = createUlid();
    await proxy.sendMessage(alice, bob.did, "tracked", { messageId, correlationId: "corr-t", priority: "critical" });
    const queued = messageStatusResponseSchema.parse(
      await (await proxy.send(alice, `${RELAY_PATHS.messages}/${messageId}`)).json(),
    );
    expect(queued).toEqual({
      messageId,
      correlationId: "corr-t",
      senderAgentDid: alice.did,
      recipientAgentDid: bob.did,
      priority: "critical",
      state: "queued",
      attempts: 0,
      timeline: [
        { event: "accepted", at: iso(acceptedAt) },
        { event: "queued", at: iso(acceptedAt) },
      ],
    });

    proxy.clock.advance(1_000);
    const { socket } = await connectV2(proxy, bob);
    await socket.next("deliver");
    socket.ack(messageId, false, "busy");
    await socket.sync();
    proxy.clock.advance(1_000);
    await proxy.runAlarm(bob.did);
    await socket.next("deliver");
    socket.ack(messageId, true);
    await socket.sync();
    const deliveredAt = proxy.clock.nowMs();
    await proxy.flushOutbound(bob.did);
    proxy.clock.advance(500);
    await postReceipt(proxy, bob, { messageId, senderAgentDid: alice.did, status: "delivered_to_webhook" });
    await proxy.routeReceipts();

    const status = messageStatusResponseSchema.parse(
      await (await proxy.send(alice, `${RELAY_PATHS.messages}/${messageId}`)).json(),
    );
    expect(status).toMatchObject({ state: "delivered_to_webhook", attempts: 2 });
    expect(status.timeline).toEqual([
      { event: "accepted", at: iso(acceptedAt) },
      { event: "queued", at: iso(acceptedAt) },
      { event: "refused_by_connector", at: iso(acceptedAt + 1_000), attempt: 1, reason: "busy" },
      { event: "delivered_to_connector", at: iso(deliveredAt), attempt: 2 },
      { event: "delivered_to_webhook", at: iso(deliveredAt + 500) },
    ]);
    socket.close();
  });

  it("records a dead letter in the sender's timeline, and its retry", async () => {
    const { proxy, alice, bob } = await createPairedAgents();
    const messageId = createUlid();
    await proxy.sendMessage(alice, bob.did, "expiring", { messageId });
    await proxy.advance(bob.did, 6 * 3_600_000);
    await proxy.routeReceipts();
    const dead = messageStatusResponseSchema.parse(
      await (await proxy.send(alice, `${RELAY_PATHS.messages}/${messageId}`)).json(),
    );
    expect(dead.state).toBe("dead_lettered");
    expect(dead.timeline.at(-1)).toMatchObject({ event: "dead_lettered", reason: "expired" });

    proxy.clock.advance(1_000);
    const retried = await proxy.send(bob, `${RELAY_PATHS.deadLetters}/${messageId}/retry`, { method: "POST" });
    expect(retried.status).toBe(200);
    await proxy.flushOutbound(bob.did);
    const again = messageStatusResponseSchema.parse(
      await (await proxy.send(alice, `${RELAY_PATHS.messages}/${messageId}`)).json(),
    );
    expect(again.state).toBe("queued");
    expect(again.timeline.at(-1)).toMatchObject({ event: "queued", reason: "retried" });
  });

  it("is the sender's own: the recipient and unknown ids get 404, a bad id 400", async () => {
    const { proxy, alice, bob } = await createPairedAgents();
    const { socket } = await connectV2(proxy, bob);
    const messageId = await deliverMessage(proxy, alice, socket, bob);
    await expectError(await proxy.send(bob, `${RELAY_PATHS.messages}/${messageId}`), 404, "PROXY_MESSAGE_NOT_FOUND");
    await expectError(
      await proxy.send(alice, `${RELAY_PATHS.messages}/${createUlid()}`),
      404,
      "PROXY_MESSAGE_NOT_FOUND",
    );
    await expectError(await proxy.send(alice, `${RELAY_PATHS.messages}/not-a-ulid`), 400, "PROXY_VALIDATION_FAILED");
    socket.close();
  });

  it("forgets a sent message's timeline 7 days after it was accepted, and its receipts 7 days after they came", async () => {
    const { proxy, alice, bob } = await createPairedAgents();
    const { socket } = await connectV2(proxy, bob);
    const messageId = await deliverMessage(proxy, alice, socket, bob);
    await postReceipt(proxy, bob, { messageId, senderAgentDid: alice.did, status: "delivered_to_webhook" });
    await proxy.routeReceipts();
    expect(await receiptStates(proxy, alice.did)).toHaveLength(1);

    await proxy.advance(alice.did, 7 * 86_400_000 - 1);
    expect((await proxy.send(alice, `${RELAY_PATHS.messages}/${messageId}`)).status).toBe(200);
    await proxy.advance(alice.did, 1);
    await expectError(await proxy.send(alice, `${RELAY_PATHS.messages}/${messageId}`), 404, "PROXY_MESSAGE_NOT_FOUND");
    expect(await receiptStates(proxy, alice.did)).toEqual([]);
    socket.close();
  });

  it("builds the timeline from a delivery report that overtook the sender's own record of the accept", async () => {
    const { proxy, alice, bob } = await createPairedAgents();
    const messageId = createUlid();
    const acceptedAtMs = proxy.clock.nowMs() - 5;
    await proxy.session(alice.did).recordReports([
      {
        reportId: createUlid(),
        messageId,
        recipientDid: bob.did,
        correlationId: "corr-r",
        priority: "low",
        acceptedAtMs,
        event: "delivered_to_connector",
        atMs: proxy.clock.nowMs(),
        attempt: 1,
      },
    ]);
    const status = messageStatusResponseSchema.parse(
      await (await proxy.send(alice, `${RELAY_PATHS.messages}/${messageId}`)).json(),
    );
    expect(status).toMatchObject({ state: "delivered_to_connector", priority: "low", attempts: 1 });
    expect(status.timeline.map((entry) => entry.event)).toEqual(["accepted", "queued", "delivered_to_connector"]);
  });
});
