import { runInDurableObject } from "cloudflare:test";
import {
  RELAY_BATCH_LIMITS,
  RELAY_PATHS,
  type RelayBatchMessage,
  type RelayBatchMessageResult,
  relayMessageBatchResponseSchema,
} from "@clawdentity/protocol";
import { createMessageProof, createUlid, hashBodySha256 } from "@clawdentity/sdk";
import { describe, expect, it } from "vitest";
import { expectError } from "./support/expect-error";
import { connectV2 } from "./support/receipt-flow";
import { createRemoteProxy, setHomeAtRegistry } from "./support/remote-proxy";
import type { TestAgent } from "./support/test-agents";
import { createTestAgent } from "./support/test-agents";
import { createPairedAgents, createTestProxy, type TestProxy } from "./support/test-proxy";

type Item = Omit<RelayBatchMessage, "payload" | "messageId"> & { messageId?: string; payload?: string };

/** One signed `POST /v1/relay/messages/batch`; `proofs` adds a §11.4 proof to every item. */
async function postBatch(proxy: TestProxy, sender: TestAgent, items: Item[], options: { proofs?: boolean } = {}) {
  const timestampSeconds = Math.floor(proxy.clock.nowMs() / 1000);
  const messages = await Promise.all(
    items.map(async (item) => {
      const message = { ...item, messageId: item.messageId ?? createUlid(), payload: item.payload ?? '{"text":"hi"}' };
      if (!options.proofs) return message;
      const proof = await createMessageProof({
        senderDid: sender.did,
        recipientDid: message.recipientAgentDid,
        messageId: message.messageId,
        timestamp: String(timestampSeconds),
        bodyHash: await hashBodySha256(message.payload),
        privateKey: sender.keyPair.privateKey,
      });
      return { ...message, proof };
    }),
  );
  const body = JSON.stringify({ messages });
  return proxy.send(sender, RELAY_PATHS.messagesBatch, { body, timestampSeconds });
}

async function batchResults(response: Response): Promise<RelayBatchMessageResult[]> {
  expect(response.status).toBe(200);
  return relayMessageBatchResponseSchema.parse(await response.json()).results;
}

const summary = (results: RelayBatchMessageResult[]) =>
  results.map((result) => (result.outcome === "accepted" ? result.state : `${result.httpStatus} ${result.code}`));

/** How many rows of the recipient's queue hold each messageId (exactly once means 1). */
const storedCounts = (proxy: TestProxy, agentDid: string) =>
  runInDurableObject(proxy.session(agentDid), (_instance, state) =>
    state.storage.sql
      .exec<{ message_id: string; copies: number }>(
        "SELECT message_id, COUNT(*) AS copies FROM messages GROUP BY message_id ORDER BY message_id",
      )
      .toArray()
      .map((row) => [row.message_id, row.copies]),
  );

describe("POST /v1/relay/messages/batch", () => {
  it("stores every message of a batch with its own outcome, and delivers a mix of priorities in priority order", async () => {
    const { proxy, alice, bob } = await createPairedAgents();
    const ids = ["low", "normal-1", "critical", "normal-2"].map(() => createUlid(proxy.clock.nowMs()));
    const priorities = ["low", "normal", "critical", "normal"] as const;
    const results = await batchResults(
      await postBatch(
        proxy,
        alice,
        ids.map((messageId, index) => ({
          recipientAgentDid: bob.did,
          messageId,
          priority: priorities[index],
          correlationId: `corr-${index}`,
        })),
      ),
    );
    expect(results.map((result) => [result.messageId, result.outcome])).toEqual(ids.map((id) => [id, "accepted"]));
    expect(results[3]).toMatchObject({ correlationId: "corr-3", state: "queued", queueDepth: 4 });

    const { socket } = await connectV2(proxy, bob);
    const delivered = await socket.nextMany("deliver", 4);
    expect(delivered.map((frame) => frame.messageId)).toEqual([ids[2], ids[1], ids[3], ids[0]]);
    socket.close();
  });

  it("refuses a bad message alone: untrusted, unknown recipient, too large, not JSON, malformed; the others are stored", async () => {
    const { proxy, alice, bob } = await createPairedAgents();
    const stranger = await createTestAgent(proxy.clock);
    expect((await proxy.send(stranger, RELAY_PATHS.relayMetrics)).status).toBe(200);
    const nobody = await createTestAgent(proxy.clock);
    const results = await batchResults(
      await postBatch(proxy, alice, [
        { recipientAgentDid: bob.did },
        { recipientAgentDid: stranger.did },
        { recipientAgentDid: nobody.did },
        { recipientAgentDid: bob.did, payload: JSON.stringify("x".repeat(300_000)) },
        { recipientAgentDid: bob.did, payload: "{not json" },
        { recipientAgentDid: bob.did, priority: "urgent" as "low" },
        { recipientAgentDid: bob.did },
      ]),
    );
    expect(summary(results)).toEqual([
      "queued",
      "403 PROXY_SENDER_NOT_TRUSTED",
      "404 PROXY_RECIPIENT_NOT_FOUND",
      "413 PROXY_PAYLOAD_TOO_LARGE",
      "400 PROXY_BAD_REQUEST",
      "400 PROXY_VALIDATION_FAILED",
      "queued",
    ]);
    expect((await proxy.metrics(bob)).queueDepth).toEqual({ critical: 0, normal: 2, low: 0 });
  });

  it("dedupes a messageId repeated in a batch, across batches and against the single route", async () => {
    const { proxy, alice, bob } = await createPairedAgents();
    const [first, second] = [createUlid(), createUlid()];
    const batch = [
      { recipientAgentDid: bob.did, messageId: first, correlationId: "first" },
      { recipientAgentDid: bob.did, messageId: first, correlationId: "again" },
      { recipientAgentDid: bob.did, messageId: second },
    ];
    const once = await batchResults(await postBatch(proxy, alice, batch));
    expect(summary(once)).toEqual(["queued", "duplicate", "queued"]);
    expect(once[1]).toMatchObject({ correlationId: "first" });

    const twice = await batchResults(await postBatch(proxy, alice, batch));
    expect(summary(twice)).toEqual(["duplicate", "duplicate", "duplicate"]);
    const single = await proxy.sendMessage(alice, bob.did, {}, { messageId: second });
    expect(await single.json()).toMatchObject({ state: "duplicate" });
    expect(await storedCounts(proxy, bob.did)).toEqual([
      [first, 1],
      [second, 1],
    ]);
  });

  it("a crash after the batch was stored, before its answer, loses nothing and duplicates nothing when it is sent again", async () => {
    const { proxy, alice, bob } = await createPairedAgents();
    const batch = ["critical", "normal", "low"].map((priority) => ({
      recipientAgentDid: bob.did,
      messageId: createUlid(),
      priority: priority as "critical" | "normal" | "low",
    }));
    // The first answer is dropped (as a connection cut after the commit would), and the session restarts.
    expect((await postBatch(proxy, alice, batch)).status).toBe(200);
    await runInDurableObject(proxy.session(bob.did), (_instance, state) => state.abort("restart")).catch(() => {});

    expect(summary(await batchResults(await postBatch(proxy, alice, batch)))).toEqual([
      "duplicate",
      "duplicate",
      "duplicate",
    ]);
    const { socket } = await connectV2(proxy, bob);
    const delivered = await socket.nextMany("deliver", 3);
    expect(delivered.map((frame) => frame.messageId)).toEqual(batch.map((item) => item.messageId));
    for (const frame of delivered) socket.ack(String(frame.messageId), true);
    await socket.sync();
    expect((await storedCounts(proxy, bob.did)).map(([, copies]) => copies)).toEqual([1, 1, 1]);
    socket.close();
  });

  it("refuses the messages past the sender's rate one by one (429), the most urgent kept", async () => {
    const { proxy, alice, bob } = await createPairedAgents({ senderRateLimitPerMinute: 3 });
    const priorities = ["low", "normal", "critical", "normal", "critical"] as const;
    const results = await batchResults(
      await postBatch(
        proxy,
        alice,
        priorities.map((priority) => ({ recipientAgentDid: bob.did, priority })),
      ),
    );
    expect(summary(results)).toEqual([
      "429 PROXY_RATE_LIMITED",
      "queued",
      "queued",
      "429 PROXY_RATE_LIMITED",
      "queued",
    ]);
    expect(results[0]).toMatchObject({ retryAfterSeconds: 20 });
    // The bucket is empty now: the next request is refused whole.
    await expectError(await postBatch(proxy, alice, [{ recipientAgentDid: bob.did }]), 429, "PROXY_RATE_LIMITED");
  });

  it("answers the batch's own limits with a 4xx and a code, before storing anything", async () => {
    const { proxy, alice, bob } = await createPairedAgents();
    const tooMany = Array.from({ length: RELAY_BATCH_LIMITS.maxMessages + 1 }, () => ({ recipientAgentDid: bob.did }));
    await expectError(await postBatch(proxy, alice, tooMany), 400, "PROXY_VALIDATION_FAILED");
    await expectError(await postBatch(proxy, alice, []), 400, "PROXY_VALIDATION_FAILED");
    const huge = JSON.stringify("x".repeat(200_000));
    const tooBig = Array.from({ length: 6 }, () => ({ recipientAgentDid: bob.did, payload: huge }));
    await expectError(await postBatch(proxy, alice, tooBig), 413, "PROXY_PAYLOAD_TOO_LARGE");
    const notJson = await proxy.send(alice, RELAY_PATHS.messagesBatch, {
      body: JSON.stringify({ messages: [{ recipientAgentDid: bob.did, messageId: createUlid(), payload: "{}" }] }),
      headers: { "content-type": "text/plain" },
    });
    await expectError(notJson, 415, "PROXY_UNSUPPORTED_MEDIA_TYPE");
    expect((await proxy.metrics(bob)).queueDepth).toEqual({ critical: 0, normal: 0, low: 0 });
  });

  it("forwards a message to a recipient at home on another proxy on its own proof; one without is refused alone", async () => {
    const proxy = createTestProxy();
    const alice = await createTestAgent(proxy.clock);
    const remoteBob = await createTestAgent(proxy.clock);
    const remote = await createRemoteProxy("https://proxy-b.example");
    await setHomeAtRegistry(remoteBob.did, { origin: remote.origin, kid: remote.kid });

    const proved = await batchResults(
      await postBatch(proxy, alice, [{ recipientAgentDid: remoteBob.did, payload: '{"n":1}' }], { proofs: true }),
    );
    expect(summary(proved)).toEqual(["queued"]);
    const unproved = await batchResults(await postBatch(proxy, alice, [{ recipientAgentDid: remoteBob.did }]));
    expect(summary(unproved)).toEqual(["400 PROXY_MESSAGE_PROOF_REQUIRED"]);
  });
});
