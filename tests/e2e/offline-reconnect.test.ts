import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AgentWorld, createAgentWorld, readOutbound, sendMessage, waitFor } from "../../scripts/harness";

let world: AgentWorld;

beforeAll(async () => {
  // bob's runtime takes one message at a time, so its webhook sees exactly the order the relay pushed.
  world = await createAgentWorld({
    name: "e2e-offline",
    agents: ["alice", "bob"],
    connect: ["alice"],
    tuning: (agent) => (agent === "bob" ? { webhookConcurrency: 1 } : {}),
  });
});

afterAll(async () => {
  await world?.dispose();
});

/** Sends one message per priority while the recipient is offline and waits until the relay holds them. */
async function sendWhileOffline(label: string) {
  const bob = world.agent("bob");
  const sent = [];
  for (const priority of ["low", "normal", "critical", "normal"] as const) {
    sent.push({ priority, ...(await sendMessage(world.cli, "alice", bob.did, { label, priority }, { priority })) });
  }
  for (const message of sent) {
    await waitFor(`${message.messageId} relayed`, async () => {
      const outbound = await readOutbound(world.cli, "alice", message.messageId);
      return outbound?.status === "relayed";
    });
  }
  expect(bob.webhook.deliveries.filter((body) => (body.payload as { label?: string }).label === label)).toEqual([]);
  return sent;
}

const byPriorityThenSent = (sent: { priority: string; messageId: string }[]) => {
  const rank = { critical: 0, normal: 1, low: 2 } as Record<string, number>;
  return [...sent].sort((a, b) => (rank[a.priority] ?? 0) - (rank[b.priority] ?? 0)).map((m) => m.messageId);
};

describe("a recipient offline, then back", () => {
  it("messages queue at the relay; on connect hello_ack counts them and they arrive critical first", async () => {
    const bob = world.agent("bob");
    const sent = await sendWhileOffline("first-connect");

    const connector = await world.startConnector("bob");
    const ready = await connector.waitForLog("relay session ready");
    expect(ready).toMatchObject({ queuedCount: sent.length, expiredCount: 0 });

    await waitFor("all queued messages delivered", () => bob.webhook.deliveries.length >= sent.length);
    expect(bob.webhook.deliveries.map((body) => body.messageId)).toEqual(byPriorityThenSent(sent));
  });

  it("after a clean stop the next connect counts and delivers only what arrived meanwhile", async () => {
    const bob = world.agent("bob");
    await world.stopConnector("bob");
    const before = bob.webhook.deliveries.length;
    const sent = await sendWhileOffline("reconnect");

    const connector = await world.startConnector("bob");
    expect(await connector.waitForLog("relay session ready")).toMatchObject({
      queuedCount: sent.length,
      expiredCount: 0,
    });
    await waitFor("the new messages delivered", () => bob.webhook.deliveries.length >= before + sent.length);
    expect(bob.webhook.deliveries.slice(before).map((body) => body.messageId)).toEqual(byPriorityThenSent(sent));
    // Nothing delivered before the stop came again.
    for (const body of bob.webhook.deliveries) expect(bob.webhook.calls.get(body.messageId)).toBe(1);
  });
});
