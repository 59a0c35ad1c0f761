import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AgentWorld, createAgentWorld, sendAndWait, sendMessage, waitFor } from "../../scripts/harness";

let world: AgentWorld;

beforeAll(async () => {
  world = await createAgentWorld({ name: "e2e-messaging", agents: ["alice", "bob"] });
});

afterAll(async () => {
  await world?.dispose();
});

describe("messages both ways through the real relay", () => {
  it("alice → bob and bob → alice: every message reaches the peer's runtime once, with its fields", async () => {
    const alice = world.agent("alice");
    const bob = world.agent("bob");
    const priorities = ["critical", "normal", "low"] as const;

    const toBob = [];
    for (const [index, priority] of priorities.entries()) {
      toBob.push(await sendMessage(world.cli, "alice", bob.did, { text: `to bob ${index}` }, { priority }));
    }
    const toAlice = [];
    for (const [index, priority] of priorities.entries()) {
      const asked = toBob[index];
      toAlice.push(
        await sendMessage(
          world.cli,
          "bob",
          alice.did,
          { text: `re ${index}` },
          { priority, conversation: "thread-1", replyTo: asked?.messageId },
        ),
      );
    }

    for (const [index, sent] of toBob.entries()) {
      const delivered = await bob.webhook.waitForDelivery(sent.messageId);
      expect(delivered).toMatchObject({
        type: "clawdentity.delivery.v1",
        requestId: sent.messageId,
        correlationId: sent.messageId,
        fromAgentDid: alice.did,
        toAgentDid: bob.did,
        payload: { text: `to bob ${index}` },
        priority: priorities[index],
      });
    }
    for (const [index, sent] of toAlice.entries()) {
      const delivered = await alice.webhook.waitForDelivery(sent.messageId);
      expect(delivered).toMatchObject({
        fromAgentDid: bob.did,
        toAgentDid: alice.did,
        payload: { text: `re ${index}` },
        priority: priorities[index],
        conversationId: "thread-1",
        replyTo: toBob[index]?.messageId,
      });
    }
    // A conversation is delivered in the order it was sent, whatever the priorities.
    expect(
      alice.webhook.deliveries.filter((body) => body.conversationId === "thread-1").map((body) => body.messageId),
    ).toEqual(toAlice.map((sent) => sent.messageId));
    for (const sent of [...toBob, ...toAlice]) {
      const receiver = toBob.includes(sent) ? bob : alice;
      expect(receiver.webhook.calls.get(sent.messageId)).toBe(1);
    }
    expect([...alice.webhook.invalid, ...bob.webhook.invalid]).toEqual([]);
  });

  it("a correlation id given by the runtime is carried to the peer", async () => {
    const bob = world.agent("bob");
    const sent = await world.cli.ok<{ messageId: string; correlationId: string }>(
      "--agent",
      "alice",
      "send",
      "--to",
      bob.did,
      "--text",
      "correlated",
      "--correlation-id",
      "order-4711",
    );
    expect(sent.correlationId).toBe("order-4711");
    expect(await bob.webhook.waitForDelivery(sent.messageId)).toMatchObject({
      correlationId: "order-4711",
      payload: { text: "correlated" },
    });
  });

  it("the same idempotency key sends once: one messageId, one delivery", async () => {
    const bob = world.agent("bob");
    const first = await sendMessage(world.cli, "alice", bob.did, { n: 1 }, { idempotencyKey: "retry-me" });
    const second = await sendMessage(world.cli, "alice", bob.did, { n: 1 }, { idempotencyKey: "retry-me" });
    expect(second.messageId).toBe(first.messageId);
    await bob.webhook.waitForDelivery(first.messageId);
    // A later message proves the connector is past the duplicate, not merely slow to send it.
    const later = await sendMessage(world.cli, "alice", bob.did, { n: 2 });
    await bob.webhook.waitForDelivery(later.messageId);
    expect(bob.webhook.calls.get(first.messageId)).toBe(1);
  });

  it("a message to an agent that is not paired is refused and dead-lettered at the sender", async () => {
    const stranger = await world.cli.ok<{ agent: { did: string } }>(
      "agent",
      "create",
      "carol",
      "--webhook",
      world.agent("alice").webhook.url,
    );
    // carol's relay session exists once she has made one signed request.
    await world.cli.ok("--agent", "carol", "pair", "peers");
    const refused = await sendAndWait(
      world.cli,
      "alice",
      stranger.agent.did,
      { text: "hello stranger" },
      {
        waitSeconds: 20,
      },
    );
    expect(refused.exitCode).toBe(1);
    expect(refused.json()).toMatchObject({ status: "dead_lettered", deadLetterReason: "untrusted" });
    expect(refused.error()?.code).toBe("CLI_MESSAGE_DEAD_LETTERED");
    await waitFor("the local dead-letter notice at alice's runtime", () =>
      world
        .agent("alice")
        .webhook.receipts.find(
          (body) =>
            body.messageId === refused.json<{ messageId: string }>().messageId && body.status === "dead_lettered",
        ),
    );
  });
});
