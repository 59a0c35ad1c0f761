import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import {
  type DeliveryReceiptData,
  FEDERATION_PATHS,
  federationMessageBatchSchema,
  federationReceiptBatchSchema,
  federationReceiptResultsSchema,
} from "@clawdentity/protocol";
import { createUlid, generateEd25519KeyPair, importEd25519Seed, verifyProxyRequest } from "@clawdentity/sdk";
import { afterEach, describe, expect, it, vi } from "vitest";
import { toFederationOutbox } from "../src/federation/forward-to-home";
import { expectError } from "./support/expect-error";
import { connectV2, postReceipt, receiptStates } from "./support/receipt-flow";
import { TEST_PROXY_ORIGIN, TEST_PROXY_SEED } from "./support/registry-fixture";
import {
  createRemoteProxy,
  sendProved,
  setHomeAtRegistry,
  toForwardedMessage,
  toForwardRequest,
  toReceiptsRequest,
} from "./support/remote-proxy";
import { createTestAgent } from "./support/test-agents";
import { createTestProxy, type TestProxy } from "./support/test-proxy";

const PROXY_REMOTE = "https://proxy-remote.example";
const outbox = () => toFederationOutbox(env, PROXY_REMOTE);

/**
 * The remote proxy as this proxy's outbox sees it: message batches are taken (`queued`), receipt
 * batches are checked like the remote would (this proxy's signature for its origin), recorded and
 * answered with the next outcome of `receiptOutcomes` (`stored` when none is left).
 */
function stubRemoteProxy(proxy: TestProxy, receiptOutcomes: Array<"stored" | "unreachable"> = []) {
  const receipts: DeliveryReceiptData[] = [];
  vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
    const request = new Request(input, init);
    const url = new URL(request.url);
    if (url.origin !== PROXY_REMOTE) throw new Error(`unexpected fetch ${request.url}`);
    const body = await request.text();
    if (url.pathname === FEDERATION_PATHS.messages) {
      const { messages } = federationMessageBatchSchema.parse(JSON.parse(body));
      const results = messages.map((message) => ({ ...pick(message), outcome: "queued" }));
      return Response.json({ results });
    }
    if (receiptOutcomes.shift() === "unreachable") throw new TypeError("connection refused");
    const ownKey = await importEd25519Seed(TEST_PROXY_SEED);
    await verifyProxyRequest({
      method: "POST",
      pathWithQuery: url.pathname,
      headers: request.headers,
      body,
      audience: PROXY_REMOTE,
      nowSeconds: Math.floor(proxy.clock.nowMs() / 1000),
      resolveProxy: async () => ({ origin: TEST_PROXY_ORIGIN, publicKey: ownKey.publicKey, status: "active" }),
    });
    const batch = federationReceiptBatchSchema.parse(JSON.parse(body));
    receipts.push(...batch.receipts);
    const results = batch.receipts.map((receipt) => ({
      ...pick(receipt),
      recipientAgentDid: receipt.recipientAgentDid,
      status: receipt.status,
      outcome: "stored",
    }));
    return Response.json({ results });
  });
  return { receipts };
}

/** The recipient's runtime took alice's message to bob, now. */
const deliveredReceipt = (
  proxy: TestProxy,
  messageId: string,
  alice: { did: string },
  bob: { did: string },
): DeliveryReceiptData => ({
  messageId,
  correlationId: messageId,
  senderAgentDid: alice.did,
  recipientAgentDid: bob.did,
  status: "delivered_to_webhook",
  at: new Date(proxy.clock.nowMs()).toISOString(),
});

const pick = (item: { messageId: string; senderAgentDid: string }) => ({
  messageId: item.messageId,
  senderAgentDid: item.senderAgentDid,
});

const waitingReceipts = () =>
  runInDurableObject(
    outbox(),
    (_instance, state) => state.storage.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM receipts_out").one().n,
  );

async function receiptResults(response: Response) {
  expect(response.status).toBe(200);
  return federationReceiptResultsSchema.parse(await response.json()).results.map((result) => result.outcome);
}

/**
 * alice, connected here, sent a message to bob at home on the remote proxy, and the outbox
 * forwarded it; with `answerLost` the remote proxy's answer never arrives (the message stays in the outbox).
 */
async function forwardFromAlice(options: { answerLost?: boolean } = {}) {
  const proxy = createTestProxy();
  const alice = await createTestAgent(proxy.clock);
  const bob = await createTestAgent(proxy.clock);
  const remote = await createRemoteProxy(PROXY_REMOTE);
  await setHomeAtRegistry(bob.did, { origin: PROXY_REMOTE, kid: remote.kid });
  if (options.answerLost) vi.spyOn(globalThis, "fetch").mockRejectedValue(new TypeError("connection reset"));
  else stubRemoteProxy(proxy);
  const { socket: aliceSocket } = await connectV2(proxy, alice);
  const messageId = createUlid(proxy.clock.nowMs());
  expect((await sendProved(proxy, alice, bob.did, messageId)).status).toBe(202);
  await runDurableObjectAlarm(outbox());
  return { proxy, alice, bob, remote, aliceSocket, messageId };
}

afterEach(async () => {
  vi.restoreAllMocks();
  await runInDurableObject(outbox(), async (_instance, state) => {
    state.storage.sql.exec("DELETE FROM outbox");
    state.storage.sql.exec("DELETE FROM receipts_out");
    state.storage.sql.exec("UPDATE destination SET failures = 0, next_attempt_at_ms = 0, circuit_open_until_ms = 0");
    await state.storage.deleteAlarm();
  });
});

describe("receipts crossing back to the sender's home proxy (PROTOCOL.md §11.6)", () => {
  it("stores a receipt from the proxy the message went to in the sender's session, once, and pushes it", async () => {
    const { proxy, alice, bob, remote, aliceSocket, messageId } = await forwardFromAlice();

    const receipt = deliveredReceipt(proxy, messageId, alice, bob);
    expect(await receiptResults(await proxy.fetch(await toReceiptsRequest(proxy.clock, remote, [receipt])))).toEqual([
      "stored",
    ]);
    expect(await aliceSocket.next("receipt")).toMatchObject({
      messageId,
      toAgentDid: bob.did,
      status: "delivered_to_webhook",
    });
    // The remote proxy sends it again (its answer was lost): stored again, nothing new.
    expect(await receiptResults(await proxy.fetch(await toReceiptsRequest(proxy.clock, remote, [receipt])))).toEqual([
      "stored",
    ]);
    expect((await receiptStates(proxy, alice.did)).map((row) => [row.messageId, row.status])).toEqual([
      [messageId, "delivered_to_webhook"],
    ]);
    aliceSocket.close();
  });

  it("refuses a forged or unknown proxy, and a receipt from a proxy the message never went to", async () => {
    const { proxy, alice, bob, remote, aliceSocket, messageId: forwardedId } = await forwardFromAlice();
    const receipt = (messageId: string): DeliveryReceiptData => ({
      messageId,
      correlationId: messageId,
      senderAgentDid: alice.did,
      recipientAgentDid: bob.did,
      status: "dead_lettered",
      reason: "webhook_failed",
      at: new Date(proxy.clock.nowMs()).toISOString(),
    });

    const forger = await generateEd25519KeyPair();
    const forged = await toReceiptsRequest(proxy.clock, remote, [receipt(forwardedId)], {
      privateKey: forger.privateKey,
    });
    await expectError(await proxy.fetch(forged), 401, "PROXY_FEDERATION_INVALID_SIGNATURE");
    const unknown = await createRemoteProxy(PROXY_REMOTE, { registered: false });
    await expectError(
      await proxy.fetch(await toReceiptsRequest(proxy.clock, unknown, [receipt(forwardedId)])),
      401,
      "PROXY_FEDERATION_UNKNOWN_PROXY",
    );
    // A registered proxy the message was never forwarded to, and a message never forwarded at all.
    const other = await createRemoteProxy("https://proxy-other.example");
    const fromOther = await proxy.fetch(await toReceiptsRequest(proxy.clock, other, [receipt(forwardedId)]));
    const neverSent = await proxy.fetch(await toReceiptsRequest(proxy.clock, remote, [receipt(createUlid())]));
    expect([...(await receiptResults(fromOther)), ...(await receiptResults(neverSent))]).toEqual([
      "refused",
      "refused",
    ]);
    expect(await receiptStates(proxy, alice.did)).toEqual([]);
    aliceSocket.close();
  });

  it("takes a receipt for a message still waiting in the outbox to that proxy (the forward's answer was lost)", async () => {
    const { proxy, alice, bob, remote, aliceSocket, messageId } = await forwardFromAlice({ answerLost: true });
    const waiting = await runInDurableObject(
      outbox(),
      (_instance, state) => state.storage.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM outbox").one().n,
    );
    expect(waiting).toBe(1);

    const receipt = deliveredReceipt(proxy, messageId, alice, bob);
    expect(await receiptResults(await proxy.fetch(await toReceiptsRequest(proxy.clock, remote, [receipt])))).toEqual([
      "stored",
    ]);
    expect(await aliceSocket.next("receipt")).toMatchObject({ messageId, status: "delivered_to_webhook" });
    aliceSocket.close();
  });

  it("sends a receipt for a sender at home elsewhere through that proxy's outbox, kept until it is stored there", async () => {
    const proxy = createTestProxy();
    const alice = await createTestAgent(proxy.clock);
    const bob = await createTestAgent(proxy.clock);
    const remote = await createRemoteProxy(PROXY_REMOTE);
    await setHomeAtRegistry(alice.did, { origin: PROXY_REMOTE, kid: remote.kid });
    const stub = stubRemoteProxy(proxy, ["unreachable"]);
    const { socket: bobSocket } = await connectV2(proxy, bob);
    // alice confirms bob's ticket on this proxy, so she has a session here too: the registry's home wins.
    await proxy.pair(bob, alice);
    const message = await toForwardedMessage(proxy.clock, alice, bob.did, { text: "from the remote proxy" });
    expect((await proxy.fetch(await toForwardRequest(proxy.clock, remote, [message]))).status).toBe(200);
    await bobSocket.next("deliver");
    bobSocket.ack(message.messageId, true);
    await bobSocket.sync();

    const posted = await postReceipt(proxy, bob, {
      messageId: message.messageId,
      senderAgentDid: alice.did,
      status: "delivered_to_webhook",
    });
    expect(posted.status).toBe(202);
    const routed = await proxy.routeReceipts();
    expect(routed.retryMessages).toEqual([]);
    expect(routed.explicitAcks).toHaveLength(1);
    expect(await waitingReceipts()).toBe(1);

    // The first try fails: the receipt stays owed; the next one is stored at the sender's home.
    await runDurableObjectAlarm(outbox());
    expect(await waitingReceipts()).toBe(1);
    proxy.clock.advance(60_000);
    await runDurableObjectAlarm(outbox());
    expect(await waitingReceipts()).toBe(0);
    expect(stub.receipts).toMatchObject([
      {
        messageId: message.messageId,
        senderAgentDid: alice.did,
        recipientAgentDid: bob.did,
        status: "delivered_to_webhook",
      },
    ]);
    bobSocket.close();
  });
});
