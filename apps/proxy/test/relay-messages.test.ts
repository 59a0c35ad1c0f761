import { CLAW_HEADERS, RELAY_MAX_PAYLOAD_BYTES, RELAY_PATHS, relayAcceptedResponseSchema } from "@clawdentity/protocol";
import { createUlid } from "@clawdentity/sdk";
import { describe, expect, it } from "vitest";
import { expectError } from "./support/expect-error";
import { createTestAgent } from "./support/test-agents";
import { createPairedAgents, createTestProxy } from "./support/test-proxy";

describe("POST /v1/relay/messages", () => {
  it("answers 202 with the messageId, correlationId, state and queue depth", async () => {
    const { proxy, alice, bob } = await createPairedAgents();
    const messageId = createUlid();
    const response = await proxy.sendMessage(alice, bob.did, { text: "hi" }, { messageId, correlationId: "corr-1" });
    expect(response.status).toBe(202);
    expect(response.headers.get(CLAW_HEADERS.correlationId)).toBe("corr-1");
    expect(relayAcceptedResponseSchema.parse(await response.json())).toEqual({
      messageId,
      correlationId: "corr-1",
      state: "queued",
      queueDepth: 1,
    });
  });

  it("defaults the correlationId to the messageId", async () => {
    const { proxy, alice, bob } = await createPairedAgents();
    const messageId = createUlid();
    const body = await (await proxy.sendMessage(alice, bob.did, 1, { messageId })).json();
    expect(body).toMatchObject({ messageId, correlationId: messageId });
  });

  it("stores a repeated (sender, messageId) once and answers duplicate", async () => {
    const { proxy, alice, bob } = await createPairedAgents();
    const messageId = createUlid();
    await proxy.sendMessage(alice, bob.did, { n: 1 }, { messageId, correlationId: "first" });
    const repeat = await proxy.sendMessage(alice, bob.did, { n: 2 }, { messageId, correlationId: "second" });
    expect(repeat.status).toBe(202);
    expect(await repeat.json()).toEqual({ messageId, correlationId: "first", state: "duplicate", queueDepth: 1 });
    expect((await proxy.metrics(bob)).queueDepth).toEqual({ critical: 0, normal: 1, low: 0 });
  });

  it("accepts the same messageId from two different senders as two messages", async () => {
    const { proxy, alice, bob } = await createPairedAgents();
    const carol = await createTestAgent(proxy.clock);
    await proxy.pair(carol, bob);
    const messageId = createUlid();
    const fromAlice = relayAcceptedResponseSchema.parse(
      await (await proxy.sendMessage(alice, bob.did, 1, { messageId })).json(),
    );
    const fromCarol = relayAcceptedResponseSchema.parse(
      await (await proxy.sendMessage(carol, bob.did, 2, { messageId })).json(),
    );
    expect([fromAlice.state, fromCarol.state]).toEqual(["queued", "queued"]);
  });

  it("refuses a sender the recipient has not paired with (403)", async () => {
    const proxy = createTestProxy();
    const stranger = await createTestAgent(proxy.clock);
    const bob = await createTestAgent(proxy.clock);
    expect((await proxy.send(bob, RELAY_PATHS.relayMetrics)).status).toBe(200);
    await expectError(await proxy.sendMessage(stranger, bob.did, {}), 403, "PROXY_SENDER_NOT_TRUSTED");
  });

  it("refuses a recipient that never authenticated to this proxy (404)", async () => {
    const proxy = createTestProxy();
    const alice = await createTestAgent(proxy.clock);
    const nobody = await createTestAgent(proxy.clock);
    await expectError(await proxy.sendMessage(alice, nobody.did, {}), 404, "PROXY_RECIPIENT_NOT_FOUND");
  });

  it("refuses messages to a revoked recipient", async () => {
    const { proxy, alice, bob } = await createPairedAgents();
    await proxy.session(bob.did).revoke({ scope: "agent", reason: "agent_revoked" });
    await expectError(await proxy.sendMessage(alice, bob.did, {}), 403, "PROXY_RECIPIENT_REVOKED");
  });

  it("lets an agent message itself without pairing", async () => {
    const proxy = createTestProxy();
    const alice = await createTestAgent(proxy.clock);
    expect((await proxy.sendMessage(alice, alice.did, { note: "to self" })).status).toBe(202);
  });

  it("refuses malformed relay headers with a 400 naming the header", async () => {
    const { proxy, alice, bob } = await createPairedAgents();
    const badId = await proxy.signed(alice, RELAY_PATHS.messages, {
      body: "{}",
      headers: { [CLAW_HEADERS.recipientAgentDid]: bob.did, [CLAW_HEADERS.messageId]: "not-a-ulid" },
    });
    const error = await expectError(await proxy.fetch(badId), 400, "PROXY_VALIDATION_FAILED");
    expect(JSON.stringify(error.details)).toContain(CLAW_HEADERS.messageId);
    const badPriority = await proxy.signed(alice, RELAY_PATHS.messages, {
      body: "{}",
      headers: {
        [CLAW_HEADERS.recipientAgentDid]: bob.did,
        [CLAW_HEADERS.messageId]: createUlid(),
        [CLAW_HEADERS.priority]: "urgent",
      },
    });
    await expectError(await proxy.fetch(badPriority), 400, "PROXY_VALIDATION_FAILED");
    const noRecipient = await proxy.signed(alice, RELAY_PATHS.messages, {
      body: "{}",
      headers: { [CLAW_HEADERS.messageId]: createUlid() },
    });
    await expectError(await proxy.fetch(noRecipient), 400, "PROXY_VALIDATION_FAILED");
  });

  it("refuses a deeply nested payload (20 KB, 10,000 levels) with 400 before storing it; the recipient can still connect", async () => {
    const { proxy, alice, bob } = await createPairedAgents();
    const deep = `${"[".repeat(10_000)}${"]".repeat(10_000)}`;
    const response = await proxy.sendMessage(alice, bob.did, JSON.parse(`{"x":1}`), { messageId: createUlid() });
    expect(response.status).toBe(202);
    const refused = await proxy.fetch(
      await proxy.signed(alice, RELAY_PATHS.messages, {
        body: deep,
        headers: { [CLAW_HEADERS.recipientAgentDid]: bob.did, [CLAW_HEADERS.messageId]: createUlid() },
      }),
    );
    const error = await expectError(refused, 400, "PROXY_PAYLOAD_TOO_COMPLEX");
    expect(error.details).toMatchObject({ limit: "depth", maxDepth: 64 });
    const wide = `[${Array.from({ length: 20_001 }, () => "0").join(",")}]`;
    await expectError(
      await proxy.fetch(
        await proxy.signed(alice, RELAY_PATHS.messages, {
          body: wide,
          headers: { [CLAW_HEADERS.recipientAgentDid]: bob.did, [CLAW_HEADERS.messageId]: createUlid() },
        }),
      ),
      400,
      "PROXY_PAYLOAD_TOO_COMPLEX",
    );
    // Only the ordinary message waits: bob's connection gets it, nothing else.
    const socket = await proxy.connect(bob, 1);
    expect((await socket.next("deliver")).payload).toEqual({ x: 1 });
    socket.close();
  });

  it("refuses a payload that is not JSON (400) or not sent as JSON (415)", async () => {
    const { proxy, alice, bob } = await createPairedAgents();
    const headers = { [CLAW_HEADERS.recipientAgentDid]: bob.did, [CLAW_HEADERS.messageId]: createUlid() };
    const notJson = await proxy.signed(alice, RELAY_PATHS.messages, { body: "{oops", headers });
    await expectError(await proxy.fetch(notJson), 400, "PROXY_BAD_REQUEST");
    const plainText = await proxy.signed(alice, RELAY_PATHS.messages, {
      body: "{}",
      headers: { ...headers, "content-type": "text/plain" },
    });
    await expectError(await proxy.fetch(plainText), 415, "PROXY_UNSUPPORTED_MEDIA_TYPE");
  });

  it("refuses a payload over 256 KiB with 413 and accepts one at the limit", async () => {
    const { proxy, alice, bob } = await createPairedAgents();
    const atLimit = JSON.stringify("x".repeat(RELAY_MAX_PAYLOAD_BYTES - 2));
    expect((await proxy.sendMessage(alice, bob.did, JSON.parse(atLimit))).status).toBe(202);
    const tooLarge = JSON.parse(JSON.stringify("x".repeat(RELAY_MAX_PAYLOAD_BYTES)));
    await expectError(await proxy.sendMessage(alice, bob.did, tooLarge), 413, "PROXY_PAYLOAD_TOO_LARGE");
  });

  it("answers 429 with Retry-After past the default 60 messages per minute", async () => {
    const { proxy, alice, bob } = await createPairedAgents();
    for (let index = 0; index < 60; index++) {
      expect((await proxy.sendMessage(alice, bob.did, { index })).status).toBe(202);
    }
    const limited = await proxy.sendMessage(alice, bob.did, { index: 60 });
    await expectError(limited, 429, "PROXY_RATE_LIMITED");
    const retryAfter = Number(limited.headers.get("retry-after"));
    expect(retryAfter).toBe(1);
    proxy.clock.advance(retryAfter * 1000);
    expect((await proxy.sendMessage(alice, bob.did, { index: 61 })).status).toBe(202);
  });

  it("applies the recipient's limit on a sender: bob's ticket limits alice → bob, not bob → alice or alice → carol", async () => {
    const proxy = createTestProxy();
    const alice = await createTestAgent(proxy.clock);
    const bob = await createTestAgent(proxy.clock);
    const carol = await createTestAgent(proxy.clock);
    await proxy.pair(bob, alice, { rateLimitPerMinute: 2 });
    await proxy.pair(alice, carol);
    expect((await proxy.sendMessage(alice, bob.did, 1)).status).toBe(202);
    expect((await proxy.sendMessage(alice, bob.did, 2)).status).toBe(202);
    const limited = await proxy.sendMessage(alice, bob.did, 3);
    const error = await expectError(limited, 429, "PROXY_RATE_LIMITED");
    expect(error.details).toEqual({ scope: "pair" });
    expect(Number(limited.headers.get("retry-after"))).toBe(30);
    expect((await proxy.sendMessage(alice, carol.did, 1)).status).toBe(202);
    for (let index = 0; index < 5; index++) expect((await proxy.sendMessage(bob, alice.did, index)).status).toBe(202);
  });

  it("an initiator cannot raise its own sending rate through its ticket", async () => {
    const proxy = createTestProxy();
    const alice = await createTestAgent(proxy.clock);
    const bob = await createTestAgent(proxy.clock);
    await proxy.pair(alice, bob, { rateLimitPerMinute: 100_000 });
    for (let index = 0; index < 60; index++) {
      expect((await proxy.sendMessage(alice, bob.did, { index })).status).toBe(202);
    }
    await expectError(await proxy.sendMessage(alice, bob.did, { index: 60 }), 429, "PROXY_RATE_LIMITED");
  });

  it("enforces the per-sender limit across recipients: alternating between peers gains nothing", async () => {
    const proxy = createTestProxy();
    const alice = await createTestAgent(proxy.clock);
    const bob = await createTestAgent(proxy.clock);
    const carol = await createTestAgent(proxy.clock);
    await proxy.pair(alice, bob);
    await proxy.pair(alice, carol);
    for (let index = 0; index < 60; index++) {
      const recipient = index % 2 === 0 ? bob : carol;
      expect((await proxy.sendMessage(alice, recipient.did, { index })).status).toBe(202);
    }
    await expectError(await proxy.sendMessage(alice, bob.did, "61st"), 429, "PROXY_RATE_LIMITED");
    await expectError(await proxy.sendMessage(alice, carol.did, "61st"), 429, "PROXY_RATE_LIMITED");
  });
});
