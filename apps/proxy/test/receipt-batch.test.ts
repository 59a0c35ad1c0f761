import { runInDurableObject } from "cloudflare:test";
import {
  type DeliveryReceiptBatchResult,
  type DeliveryReceiptRequest,
  deliveryReceiptBatchResponseSchema,
  RELAY_BATCH_LIMITS,
  RELAY_PATHS,
} from "@clawdentity/protocol";
import { createUlid } from "@clawdentity/sdk";
import { describe, expect, it } from "vitest";
import { expectError } from "./support/expect-error";
import { connectV2, deliverMessage, receiptStates } from "./support/receipt-flow";
import type { TestAgent } from "./support/test-agents";
import { createTestAgent } from "./support/test-agents";
import { createPairedAgents, type TestProxy } from "./support/test-proxy";
import { QUEUES, runQueueBatchWith } from "./support/test-queues";

const postReceipts = (proxy: TestProxy, poster: TestAgent, receipts: unknown[]) =>
  proxy.send(poster, RELAY_PATHS.deliveryReceiptsBatch, { body: JSON.stringify({ receipts }) });

async function batchResults(response: Response): Promise<DeliveryReceiptBatchResult[]> {
  expect(response.status).toBe(200);
  return deliveryReceiptBatchResponseSchema.parse(await response.json()).results;
}

const summary = (results: DeliveryReceiptBatchResult[]) =>
  results.map((result) => (result.outcome === "accepted" ? result.state : `${result.httpStatus} ${result.code}`));

/** alice sent bob three messages, which bob's connector took; carol is a stranger to bob. */
async function createDeliveredConversation() {
  const { proxy, alice, bob } = await createPairedAgents();
  const carol = await createTestAgent(proxy.clock);
  const { socket } = await connectV2(proxy, bob);
  const ids: string[] = [];
  for (let index = 0; index < 3; index++) ids.push(await deliverMessage(proxy, alice, socket, bob));
  socket.close();
  return { proxy, alice, bob, carol, ids };
}

describe("POST /v1/relay/delivery-receipts/batch", () => {
  it("takes many receipts in one request, each with its own outcome, and publishes each accepted one once", async () => {
    const { proxy, alice, bob, carol, ids } = await createDeliveredConversation();
    const receipt = (messageId: string, status = "delivered_to_webhook"): DeliveryReceiptRequest =>
      ({ messageId, senderAgentDid: alice.did, status }) as DeliveryReceiptRequest;
    const batch = [
      receipt(ids[0] as string),
      receipt(ids[1] as string),
      receipt(ids[0] as string),
      receipt(createUlid()),
      { messageId: createUlid(), senderAgentDid: carol.did, status: "delivered_to_webhook" },
      { ...receipt(ids[2] as string, "dead_lettered"), reason: "webhook_refused" },
    ];
    expect(summary(await batchResults(await postReceipts(proxy, bob, batch)))).toEqual([
      "accepted",
      "accepted",
      "duplicate",
      "404 PROXY_RECEIPT_NOT_DELIVERED",
      "403 PROXY_RECEIPT_FORBIDDEN",
      "accepted",
    ]);
    expect(proxy.published.map((event) => event.data.messageId)).toEqual([ids[0], ids[1], ids[2]]);

    const routed = await proxy.routeReceipts();
    expect(routed.retryMessages).toEqual([]);
    expect(await receiptStates(proxy, alice.did)).toEqual([
      { messageId: ids[0], status: "delivered_to_webhook", state: "pending" },
      { messageId: ids[1], status: "delivered_to_webhook", state: "pending" },
      { messageId: ids[2], status: "dead_lettered", state: "pending" },
    ]);
  });

  it("a crash after the receipts were stored, before the answer: the same batch again publishes nothing new", async () => {
    const { proxy, alice, bob, ids } = await createDeliveredConversation();
    const batch = ids.map((messageId) => ({ messageId, senderAgentDid: alice.did, status: "delivered_to_webhook" }));
    expect((await postReceipts(proxy, bob, batch)).status).toBe(200);
    await runInDurableObject(proxy.session(bob.did), (_instance, state) => state.abort("restart")).catch(() => {});

    expect(summary(await batchResults(await postReceipts(proxy, bob, batch)))).toEqual([
      "duplicate",
      "duplicate",
      "duplicate",
    ]);
    expect(proxy.published.map((event) => event.data.messageId)).toEqual(ids);
  });

  it("answers the batch's own limits with a 4xx and a code, before storing anything", async () => {
    const { proxy, alice, bob, ids } = await createDeliveredConversation();
    const one = { messageId: ids[0], senderAgentDid: alice.did, status: "delivered_to_webhook" };
    const tooMany = Array.from({ length: RELAY_BATCH_LIMITS.maxReceipts + 1 }, () => one);
    await expectError(await postReceipts(proxy, bob, tooMany), 400, "PROXY_VALIDATION_FAILED");
    await expectError(await postReceipts(proxy, bob, []), 400, "PROXY_VALIDATION_FAILED");
    const body = JSON.stringify({ receipts: [one], padding: "x".repeat(RELAY_BATCH_LIMITS.maxReceiptBatchBytes) });
    await expectError(
      await proxy.send(bob, RELAY_PATHS.deliveryReceiptsBatch, { body }),
      413,
      "PROXY_PAYLOAD_TOO_LARGE",
    );
    expect(proxy.published).toEqual([]);
  });
});

describe("the receipts consumer routes a batch by session", () => {
  it("stores each sender's receipts in one call and one push, confirms each recipient's in one call, and retries only what failed", async () => {
    const { proxy, alice, bob } = await createPairedAgents();
    const carol = await createTestAgent(proxy.clock);
    await proxy.pair(carol, bob);
    const { socket: bobSocket } = await connectV2(proxy, bob);
    const aliceIds: string[] = [];
    const carolIds: string[] = [];
    for (let index = 0; index < 3; index++) aliceIds.push(await deliverMessage(proxy, alice, bobSocket, bob));
    for (let index = 0; index < 2; index++) carolIds.push(await deliverMessage(proxy, carol, bobSocket, bob));
    const receiptsFor = (senderAgentDid: string, ids: string[]) =>
      ids.map((messageId) => ({ messageId, senderAgentDid, status: "delivered_to_webhook" }));
    const posted = [...receiptsFor(alice.did, aliceIds), ...receiptsFor(carol.did, carolIds)];
    expect(summary(await batchResults(await postReceipts(proxy, bob, posted)))).toEqual(posted.map(() => "accepted"));
    const { socket: aliceSocket } = await connectV2(proxy, alice, { batch: true });

    const events = proxy.published.splice(0);
    const eventOf = (messageId: string) => events.find((event) => event.data.messageId === messageId)?.id;
    const calls: string[] = [];
    const result = await runQueueBatchWith(
      QUEUES.receipts,
      events.map((body) => ({ body, id: body.id })),
      {
        clock: proxy.clock,
        session: (agentDid) => {
          calls.push(agentDid);
          if (agentDid === carol.did) throw new Error("relay session overloaded");
          return proxy.session(agentDid);
        },
      },
    );
    // carol's session failed: her receipts are retried, and bob's session is not told they arrived.
    expect(calls.sort()).toEqual([alice.did, bob.did, carol.did].sort());
    expect(result.retryMessages.map((message: { msgId: string }) => message.msgId).sort()).toEqual(
      carolIds.map(eventOf).sort(),
    );
    expect([...result.explicitAcks].sort()).toEqual(aliceIds.map(eventOf).sort());

    const batch = await aliceSocket.next("receipt_batch");
    const pushed = batch.receipts as Array<{ messageId: string }>;
    expect(pushed.map((receipt) => receipt.messageId).sort()).toEqual([...aliceIds].sort());
    aliceSocket.close();
    await aliceSocket.closed;
    bobSocket.close();
  });
});
