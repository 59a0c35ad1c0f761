import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AgentWorld, createAgentWorld, readStatus, sendMessage, waitFor } from "../../scripts/harness";

let world: AgentWorld;

beforeAll(async () => {
  world = await createAgentWorld({
    name: "e2e-outcome",
    agents: ["alice", "bob"],
    tuning: (agent) =>
      agent === "alice"
        ? // alice asks her proxy early and gives up on an outcome after 8 s.
          { outcomeCheckAfterMs: 1_000, outcomeCheckIntervalMs: 1_000, outcomeDeadlineMs: 8_000 }
        : // bob's runtime may take its time with one call.
          { webhookTimeoutMs: 30_000 },
  });
});

afterAll(async () => {
  await world?.dispose();
});

interface AwaitingOutcome {
  count: number;
  oldestRelayedAt?: string;
}

async function awaitingOutcome(agent: string): Promise<AwaitingOutcome | undefined> {
  const status = await readStatus<{
    connector: { status: { queues: { outbox: { awaitingOutcome?: AwaitingOutcome } } } };
  }>(world.cli, agent);
  return status.connector.status.queues.outbox.awaitingOutcome;
}

describe("no message stays relayed forever: the sender reconciles from its proxy", () => {
  it("an outcome that cannot be known by the deadline is dead-lettered outcome_unknown and the runtime told; a late receipt still wins", async () => {
    const alice = world.agent("alice");
    const bob = world.agent("bob");
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    // bob's runtime takes the message and does not answer until the test lets it.
    bob.webhook.respondWith(async (body) => {
      if (body.type === "clawdentity.delivery.v1") await held;
      return 200;
    });

    const sent = await sendMessage(world.cli, "alice", bob.did, { text: "are you there?" });
    await waitFor("bob's runtime holding the call", () => bob.webhook.inFlight.has(sent.messageId));
    const waiting = await waitFor("alice's status counting it as awaiting an outcome", async () => {
      const awaiting = await awaitingOutcome("alice");
      return awaiting && awaiting.count === 1 ? awaiting : undefined;
    });
    expect(Date.parse(waiting.oldestRelayedAt ?? "")).toBeGreaterThan(0);

    // The relay says "delivered to the connector", never terminal: past alice's deadline she stops waiting.
    const unknown = await alice.webhook.waitForReceipt(sent.messageId, "dead_lettered", { timeoutMs: 20_000 });
    expect(unknown).toMatchObject({ messageId: sent.messageId, reason: "outcome_unknown" });
    expect((await awaitingOutcome("alice"))?.count ?? 0).toBe(0);

    // bob's runtime answers after all: the real receipt reaches alice and settles the message.
    release();
    const delivered = await alice.webhook.waitForReceipt(sent.messageId, "delivered_to_webhook", {
      timeoutMs: 20_000,
    });
    expect(delivered.messageId).toBe(sent.messageId);
    const trace = await world.cli.ok<{ connector: { status: string } }>("--agent", "alice", "trace", sent.messageId);
    expect(trace.connector.status).toBe("delivered_to_webhook");
    expect(alice.webhook.receipts.filter((body) => body.messageId === sent.messageId)).toHaveLength(2);
  });
});
