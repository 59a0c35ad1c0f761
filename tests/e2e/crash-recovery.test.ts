import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AgentWorld, createAgentWorld, type SentMessage, sendMessage, waitFor } from "../../scripts/harness";

let world: AgentWorld;

beforeAll(async () => {
  world = await createAgentWorld({
    name: "e2e-crash",
    agents: ["alice", "bob"],
    // Bursts of dozens must not meet the default 60/min per-sender limit (operator policy).
    senderRateLimitPerMinute: 6_000,
    tuning: (agent) =>
      // One relay call at a time keeps alice's outbox busy long enough to be killed mid-flow; one
      // webhook call at a time makes bob's in-flight delivery a single, known message.
      agent === "alice" ? { outboxConcurrency: 1 } : { webhookConcurrency: 1 },
  });
});

afterAll(async () => {
  await world?.dispose();
});

const deliveredIds = (agent: string) => world.agent(agent).webhook.deliveries.map((body) => body.messageId);

function expectEachExactlyOnce(delivered: string[], sent: SentMessage[]) {
  const counts = new Map<string, number>();
  for (const id of delivered) counts.set(id, (counts.get(id) ?? 0) + 1);
  for (const message of sent) expect(counts.get(message.messageId), message.messageId).toBe(1);
}

describe("kill -9 of a connector mid-flow loses nothing", () => {
  it("the sender's connector killed while its outbox is relaying: after a restart each message arrives once", async () => {
    const bob = world.agent("bob");
    const burst = Array.from({ length: 60 }, (_, index) => index);
    const sent = await Promise.all(
      burst.map((index) => sendMessage(world.cli, "alice", bob.did, { burst: "sender-kill", index })),
    );
    // Every message was accepted (durable in alice's outbox) before the kill.
    await world.stopConnector("alice", { kill: true });
    const deliveredAtKill = bob.webhook.deliveries.length;
    expect(deliveredAtKill, "the kill landed mid-flow").toBeLessThan(sent.length);

    await world.startConnector("alice");
    await waitFor("every message of the burst delivered", () => bob.webhook.deliveries.length >= sent.length, {
      timeoutMs: 60_000,
    });
    // Rows the killed process had sent but not yet marked are sent again; the relay answers "duplicate".
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expectEachExactlyOnce(deliveredIds("bob"), sent);
    expect(bob.webhook.deliveries).toHaveLength(sent.length);
  });

  it("the recipient's connector killed during a webhook call: the message is delivered again, once", async () => {
    const alice = world.agent("alice");
    const bob = world.agent("bob");
    const before = bob.webhook.deliveries.length;
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let heldId: string | undefined;
    // The runtime holds the 5th message of the burst until bob's connector has been killed.
    let seen = 0;
    bob.webhook.respondWith(async (body) => {
      if (body.type === "clawdentity.delivery.v1" && (body.payload as { burst?: string }).burst === "recipient-kill") {
        seen += 1;
        if (seen === 5) {
          heldId = body.messageId;
          await held;
        }
      }
      return 200;
    });

    const sent: SentMessage[] = [];
    for (const index of Array.from({ length: 20 }, (_, i) => i)) {
      sent.push(await sendMessage(world.cli, "alice", bob.did, { burst: "recipient-kill", index }));
    }
    await waitFor("the 5th delivery held by the runtime", () => heldId);
    await world.stopConnector("bob", { kill: true });
    // The runtime sees the dropped connection before it answers, as it would in production.
    await waitFor("the held call's connection dropped", () => !bob.webhook.inFlight.has(heldId ?? ""));
    release();
    const beforeRestart = deliveredIds("bob").slice(before);
    expect(beforeRestart).not.toContain(heldId);
    expect(beforeRestart.length).toBeLessThan(sent.length);

    bob.webhook.respondWith(() => 200);
    await world.startConnector("bob");
    await waitFor("every message of the burst delivered", () => bob.webhook.deliveries.length >= before + sent.length, {
      timeoutMs: 60_000,
    });
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expectEachExactlyOnce(deliveredIds("bob").slice(before), sent);
    expect(bob.webhook.deliveries).toHaveLength(before + sent.length);
    expect(alice.webhook.invalid).toEqual([]);
  });
});
