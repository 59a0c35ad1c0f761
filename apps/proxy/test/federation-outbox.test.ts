import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import {
  CLAW_HEADERS,
  type FederationMessage,
  federationMessageBatchSchema,
  relayAcceptedResponseSchema,
} from "@clawdentity/protocol";
import {
  createMessageProof,
  createUlid,
  importEd25519Seed,
  verifyFederatedMessage,
  verifyProxyRequest,
} from "@clawdentity/sdk";
import { afterEach, describe, expect, it, vi } from "vitest";
import { toFederationOutbox } from "../src/federation/forward-to-home";
import { expectError } from "./support/expect-error";
import { TEST_PROXY_ORIGIN, TEST_PROXY_SEED, TEST_REGISTRY_SEED, TEST_REGISTRY_URL } from "./support/registry-fixture";
import { createRemoteProxy, sendProved, setHomeAtRegistry } from "./support/remote-proxy";
import { createTestAgent } from "./support/test-agents";
import { createTestProxy, type TestProxy } from "./support/test-proxy";

const PROXY_B = "https://proxy-b.example";
type Outcome = "queued" | "duplicate" | "refused" | "retry";

/**
 * Proxy B as the network shows it to proxy A's outbox: every batch is checked like B would check it
 * (A's signature for B's origin, each message end to end), recorded, and answered `outcome`.
 */
function stubProxyB(proxy: TestProxy, answer: () => Outcome | "unreachable") {
  const received: FederationMessage[] = [];
  const spy = vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
    const request = new Request(input, init);
    if (!request.url.startsWith(PROXY_B)) throw new Error(`unexpected fetch ${request.url}`);
    const outcome = answer();
    if (outcome === "unreachable") throw new TypeError("connection refused");
    const body = await request.text();
    const ownKey = await importEd25519Seed(TEST_PROXY_SEED);
    const nowSeconds = Math.floor(proxy.clock.nowMs() / 1000);
    await verifyProxyRequest({
      method: "POST",
      pathWithQuery: new URL(request.url).pathname,
      headers: request.headers,
      body,
      audience: PROXY_B,
      nowSeconds,
      resolveProxy: async () => ({ origin: TEST_PROXY_ORIGIN, publicKey: ownKey.publicKey, status: "active" }),
    });
    const { messages } = federationMessageBatchSchema.parse(JSON.parse(body));
    const registryKey = await importEd25519Seed(TEST_REGISTRY_SEED);
    for (const message of messages) {
      await verifyFederatedMessage({
        message,
        keys: { resolveKey: async () => registryKey.publicKey },
        nowSeconds,
        issuer: TEST_REGISTRY_URL,
      });
      received.push(message);
    }
    const results = messages.map((message) => ({
      messageId: message.messageId,
      senderAgentDid: message.senderAgentDid,
      outcome,
      ...(outcome === "refused" ? { code: "PROXY_SENDER_NOT_TRUSTED" } : {}),
    }));
    return Response.json({ results });
  });
  return { received, spy };
}

/** alice on this proxy, bob at home on proxy B (as the registry resolves him). */
async function createRemoteConversation() {
  const proxy = createTestProxy();
  const alice = await createTestAgent(proxy.clock);
  const bob = await createTestAgent(proxy.clock);
  const remote = await createRemoteProxy(PROXY_B);
  await setHomeAtRegistry(bob.did, { origin: PROXY_B, kid: remote.kid });
  return { proxy, alice, bob };
}

const outbox = () => toFederationOutbox(env, PROXY_B);
const outboxDepth = () =>
  runInDurableObject(
    outbox(),
    (_instance, state) => state.storage.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM outbox").one().n,
  );
const receiptsAt = (proxy: TestProxy, agentDid: string) =>
  runInDurableObject(proxy.session(agentDid), (_instance, state) =>
    state.storage.sql
      .exec<{ message_id: string; status: string; reason: string | null }>(
        "SELECT message_id, status, reason FROM receipts ORDER BY seq",
      )
      .toArray()
      .map((row) => ({ messageId: row.message_id, status: row.status, reason: row.reason })),
  );

afterEach(async () => {
  vi.restoreAllMocks();
  // Each test leaves B's outbox empty for the next one.
  await runInDurableObject(outbox(), async (_instance, state) => {
    state.storage.sql.exec("DELETE FROM outbox");
    state.storage.sql.exec("UPDATE destination SET failures = 0, next_attempt_at_ms = 0, circuit_open_until_ms = 0");
    await state.storage.deleteAlarm();
  });
});

describe("forwarding to the recipient's home proxy (PROTOCOL.md §11.4)", () => {
  it("stores first (202), then forwards a batch B verifies end to end; a re-forward is settled by B's duplicate", async () => {
    const { proxy, alice, bob } = await createRemoteConversation();
    const outcomes: Outcome[] = ["queued", "duplicate"];
    const b = stubProxyB(proxy, () => outcomes.shift() ?? "queued");
    const messageId = createUlid();

    const accepted = await sendProved(proxy, alice, bob.did, messageId);
    expect(accepted.status).toBe(202);
    expect(relayAcceptedResponseSchema.parse(await accepted.json())).toMatchObject({ messageId, state: "queued" });
    expect(b.received).toHaveLength(0);
    expect(await outboxDepth()).toBe(1);

    expect(await runDurableObjectAlarm(outbox())).toBe(true);
    expect(b.received.map((message) => [message.messageId, message.recipientAgentDid])).toEqual([[messageId, bob.did]]);
    expect(await outboxDepth()).toBe(0);

    // The connector retries the same message (its answer was lost): forwarded again, B says duplicate.
    proxy.clock.advance(1_000);
    expect((await sendProved(proxy, alice, bob.did, messageId)).status).toBe(202);
    await runDurableObjectAlarm(outbox());
    expect(b.received.map((message) => message.messageId)).toEqual([messageId, messageId]);
    expect(await outboxDepth()).toBe(0);
    expect(await receiptsAt(proxy, alice.did)).toEqual([]);
  });

  it("requires the sender's message proof for a remote recipient, and refuses a wrong one", async () => {
    const { proxy, alice, bob } = await createRemoteConversation();
    stubProxyB(proxy, () => "queued");
    const unproved = await proxy.sendMessage(alice, bob.did, { text: "no proof" });
    await expectError(unproved, 400, "PROXY_MESSAGE_PROOF_REQUIRED");

    const request = await proxy.messageRequest(alice, bob.did, { text: "hi" }, { messageId: createUlid() });
    const headers = new Headers(request.headers);
    const other = await createTestAgent(proxy.clock);
    headers.set(
      CLAW_HEADERS.messageProof,
      await createMessageProof({
        senderDid: alice.did,
        recipientDid: other.did,
        messageId: createUlid(),
        timestamp: "1",
        bodyHash: "x",
        privateKey: alice.keyPair.privateKey,
      }),
    );
    await expectError(await proxy.fetch(new Request(request, { headers })), 400, "PROXY_MESSAGE_PROOF_INVALID");
    expect(await outboxDepth()).toBe(0);
  });

  it("dead-letters `proxy_unreachable` to the sender once B stayed unreachable for the message's TTL", async () => {
    const { proxy, alice, bob } = await createRemoteConversation();
    const b = stubProxyB(proxy, () => "unreachable");
    const messageId = createUlid();
    expect((await sendProved(proxy, alice, bob.did, messageId)).status).toBe(202);

    // Failed batches back the destination off and open its circuit; the message stays stored.
    for (let attempt = 0; attempt < 6; attempt++) {
      await runDurableObjectAlarm(outbox());
      proxy.clock.advance(60_000);
    }
    expect(b.spy).toHaveBeenCalled();
    const state = await runInDurableObject(outbox(), (_instance, storage) =>
      storage.storage.sql.exec<{ failures: number }>("SELECT failures FROM destination").one(),
    );
    expect(state.failures).toBeGreaterThanOrEqual(5);
    expect(await outboxDepth()).toBe(1);
    expect(await receiptsAt(proxy, alice.did)).toEqual([]);

    proxy.clock.advance(6 * 3_600_000);
    await runDurableObjectAlarm(outbox());
    expect(await outboxDepth()).toBe(0);
    expect(await receiptsAt(proxy, alice.did)).toEqual([
      { messageId, status: "dead_lettered", reason: "proxy_unreachable" },
    ]);
  });

  it("dead-letters `proxy_refused` to the sender when B refuses the message", async () => {
    const { proxy, alice, bob } = await createRemoteConversation();
    stubProxyB(proxy, () => "refused");
    const messageId = createUlid();
    expect((await sendProved(proxy, alice, bob.did, messageId)).status).toBe(202);
    await runDurableObjectAlarm(outbox());
    expect(await outboxDepth()).toBe(0);
    expect(await receiptsAt(proxy, alice.did)).toEqual([
      { messageId, status: "dead_lettered", reason: "proxy_refused" },
    ]);
  });

  it("keeps relaying locally to an agent this proxy knows, without asking the registry", async () => {
    const proxy = createTestProxy();
    const alice = await createTestAgent(proxy.clock);
    const bob = await createTestAgent(proxy.clock);
    await proxy.pair(alice, bob);
    const spy = vi.spyOn(globalThis, "fetch");
    expect((await proxy.sendMessage(alice, bob.did, { text: "local" })).status).toBe(202);
    expect(spy).not.toHaveBeenCalled();
  });
});
