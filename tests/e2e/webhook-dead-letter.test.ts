import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Json } from "../../scripts/harness";
import {
  type AgentWorld,
  answerWithPayloadFailStatus,
  createAgentWorld,
  FAST_WEBHOOK_DEAD_LETTER_TUNING,
  sendMessage,
  waitFor,
} from "../../scripts/harness";

let world: AgentWorld;

beforeAll(async () => {
  world = await createAgentWorld({
    name: "e2e-dead-letter",
    agents: ["alice", "bob"],
    tuning: (agent) => (agent === "bob" ? FAST_WEBHOOK_DEAD_LETTER_TUNING : {}),
  });
  world.agent("bob").webhook.respondWith(answerWithPayloadFailStatus);
});

afterAll(async () => {
  await world?.dispose();
});

async function inboundDeadLetter(messageId: string) {
  return waitFor(`inbound dead letter ${messageId} at bob`, async () => {
    const { deadLetters } = await world.cli.ok<{ deadLetters: Json[] }>(
      "--agent",
      "bob",
      "dead-letters",
      "list",
      "--direction",
      "inbound",
    );
    return deadLetters.find((entry) => entry.messageId === messageId);
  });
}

describe("a failing runtime webhook", () => {
  it("5xx is retried with backoff, then dead-lettered max_attempts at the recipient", async () => {
    const bob = world.agent("bob");
    const sent = await sendMessage(world.cli, "alice", bob.did, { fail: 500 });
    const deadLetter = await inboundDeadLetter(sent.messageId);
    expect(deadLetter).toMatchObject({
      direction: "inbound",
      messageId: sent.messageId,
      peerAgentDid: world.agent("alice").did,
      reason: "max_attempts",
      attempts: 3,
    });
    expect(bob.webhook.calls.get(sent.messageId)).toBe(3);
    expect(bob.webhook.deliveries.some((body) => body.messageId === sent.messageId)).toBe(false);
  });

  it("a 4xx is the runtime refusing the message: dead-lettered webhook_rejected after one call", async () => {
    const bob = world.agent("bob");
    const sent = await sendMessage(world.cli, "alice", bob.did, { fail: 422 });
    expect(await inboundDeadLetter(sent.messageId)).toMatchObject({ reason: "webhook_rejected", attempts: 1 });
    expect(bob.webhook.calls.get(sent.messageId)).toBe(1);
  });

  it("the runtime recovers: the next message is delivered; a retried dead letter is delivered too", async () => {
    const bob = world.agent("bob");
    const ok = await sendMessage(world.cli, "alice", bob.did, { fine: true });
    await bob.webhook.waitForDelivery(ok.messageId);

    const failed = await sendMessage(world.cli, "alice", bob.did, { fail: 500 });
    await inboundDeadLetter(failed.messageId);
    bob.webhook.respondWith(() => 200);
    const retried = await world.cli.ok("--agent", "bob", "dead-letters", "retry", failed.messageId);
    expect(retried).toEqual({ retried: [{ direction: "inbound", messageId: failed.messageId }] });
    expect(await bob.webhook.waitForDelivery(failed.messageId)).toMatchObject({ payload: { fail: 500 } });
  });
});
