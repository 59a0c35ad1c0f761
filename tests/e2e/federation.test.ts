import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { WebhookBody } from "../../packages/protocol/src/index.ts";
import {
  type AgentWorld,
  answerWithPayloadFailStatus,
  countDeliveryFigures,
  createAgentWorld,
  FAST_RECOVERY_PROXY_VARS,
  FAST_RECOVERY_TUNING,
  FEDERATED_MESSAGE_HOPS,
  type FederatedStack,
  findMissingHops,
  formatDeliveryFigures,
  type SentMessage,
  sendBurst,
  sendMessage,
  startFederatedStack,
  type TraceTimelineStep,
  waitFor,
} from "../../scripts/harness";
import { resolveHomeProxy } from "../../scripts/harness/federation-calls";

/** The outboxes between the proxies back off and reopen within seconds, as the connectors do. */
const FEDERATION_PROXY_VARS: Record<string, string> = {
  ...FAST_RECOVERY_PROXY_VARS,
  FEDERATION_RETRY_BASE_MS: "200",
  FEDERATION_RETRY_MAX_MS: "2000",
  CIRCUIT_OPEN_MS: "2000",
};
const PRIORITIES = ["critical", "normal", "low"] as const;

let world: AgentWorld<FederatedStack>;

beforeAll(async () => {
  world = await createAgentWorld<FederatedStack>({
    name: "e2e-federation",
    startStack: (name) => startFederatedStack({ name, proxyVars: FEDERATION_PROXY_VARS }),
    afterBootstrap: (stack) => stack.waitUntilProxiesRegistered(),
    agents: ["alice", "bob"],
    // bob is at home on proxy B; alice pairs with him through the CLI, each through its own proxy.
    createArgs: (name, stack) => (name === "bob" ? ["--proxy-url", stack.proxyB.proxyUrl] : []),
    tuning: FAST_RECOVERY_TUNING,
  });
  world.agent("bob").webhook.respondWith(answerWithPayloadFailStatus);
  for (const [name, proxyUrl] of [
    ["alice", world.stack.proxyUrl],
    ["bob", world.stack.proxyB.proxyUrl],
  ] as const) {
    await waitFor(`${name} at home on ${proxyUrl}`, async () => {
      return (await resolveHomeProxy(world.stack.registryUrl, world.agent(name).did)) === proxyUrl;
    });
  }
}, 300_000);

afterAll(async () => {
  await world?.dispose();
});

describe("alice on proxy A and bob on proxy B talk with the same guarantees (PROTOCOL.md §11)", () => {
  it("messages both ways with every priority: each delivered once with its fields, each receipted", async () => {
    const alice = world.agent("alice");
    const bob = world.agent("bob");
    const toBob: SentMessage[] = [];
    const toAlice: SentMessage[] = [];
    for (const [index, priority] of PRIORITIES.entries()) {
      toBob.push(await sendMessage(world.cli, "alice", bob.did, { text: `to bob ${index}` }, { priority }));
      toAlice.push(
        await sendMessage(world.cli, "bob", alice.did, { text: `to alice ${index}` }, { priority, conversation: "c1" }),
      );
    }
    for (const [index, sent] of toBob.entries()) {
      expect(await bob.webhook.waitForDelivery(sent.messageId, { timeoutMs: 30_000 })).toMatchObject({
        fromAgentDid: alice.did,
        toAgentDid: bob.did,
        payload: { text: `to bob ${index}` },
        priority: PRIORITIES[index],
      });
      await alice.webhook.waitForReceipt(sent.messageId, "delivered_to_webhook", { timeoutMs: 30_000 });
    }
    for (const [index, sent] of toAlice.entries()) {
      expect(await alice.webhook.waitForDelivery(sent.messageId, { timeoutMs: 30_000 })).toMatchObject({
        fromAgentDid: bob.did,
        toAgentDid: alice.did,
        payload: { text: `to alice ${index}` },
        priority: PRIORITIES[index],
        conversationId: "c1",
      });
      await bob.webhook.waitForReceipt(sent.messageId, "delivered_to_webhook", { timeoutMs: 30_000 });
    }
    // `trace` shows the hops on both proxies: A accepted and queued it, B queued it and delivered it
    // to bob's connector, and the outcome came back to A.
    const traced = toBob[0]?.messageId ?? "";
    const trace = await world.cli.ok<{ timeline: TraceTimelineStep[] }>("--agent", "alice", "trace", traced);
    expect(findMissingHops(trace.timeline, FEDERATED_MESSAGE_HOPS)).toEqual([]);
    const text = await world.cli.run("--agent", "alice", "trace", traced);
    expect(text.stdout).toContain(`forwarded to the recipient's proxy ${world.stack.proxyB.proxyUrl}`);
    for (const sent of toBob) expect(bob.webhook.calls.get(sent.messageId)).toBe(1);
    for (const sent of toAlice) expect(alice.webhook.calls.get(sent.messageId)).toBe(1);
    expect([...alice.webhook.invalid, ...bob.webhook.invalid]).toEqual([]);
  });

  it("bob's runtime refusing a message on B: alice gets a dead_lettered receipt", async () => {
    const alice = world.agent("alice");
    const sent = await sendMessage(world.cli, "alice", world.agent("bob").did, { fail: 422 });
    const receipt = await alice.webhook.waitForReceipt(sent.messageId, "dead_lettered", { timeoutMs: 30_000 });
    expect(receipt).toMatchObject({ messageId: sent.messageId, status: "dead_lettered" });
  });
});

describe("proxy B killed -9 mid-burst and started again (PROTOCOL.md §11.4, §11.6)", () => {
  const isBurst = (body: WebhookBody) =>
    body.type === "clawdentity.delivery.v1" && (body.payload as { burst?: string } | undefined)?.burst === "kill-b";

  it("every message arrives and every receipt comes back, both ways", async () => {
    const alice = world.agent("alice");
    const bob = world.agent("bob");
    const running = (name: string) => {
      const connector = world.agent(name).connector;
      if (!connector) throw new Error(`${name}'s connector is not running`);
      return connector;
    };
    const burst = (from: string, toDid: string, size: number) =>
      sendBurst({
        home: world.home,
        from: running(from),
        toDid,
        payloads: Array.from({ length: size }, (_, index) => ({ burst: "kill-b", index })),
      });
    const [toBob, toAlice] = await Promise.all([burst("alice", bob.did, 120), burst("bob", alice.did, 60)]);

    await waitFor(
      "a quarter of alice's burst delivered at bob",
      () => bob.webhook.deliveries.filter(isBurst).length >= 30,
      {
        timeoutMs: 60_000,
        intervalMs: 20,
      },
    );
    await world.stack.proxyB.kill();
    const deliveredAtKill = bob.webhook.deliveries.filter(isBurst).length;
    await world.stack.proxyB.restart();

    const figures = () => ({
      toBob: countDeliveryFigures({
        messageIds: toBob.map((m) => m.messageId),
        recipient: bob.webhook,
        sender: alice.webhook,
      }),
      toAlice: countDeliveryFigures({
        messageIds: toAlice.map((m) => m.messageId),
        recipient: alice.webhook,
        sender: bob.webhook,
      }),
    });
    const complete = () =>
      Object.values(figures()).every((f) => f.missingDeliveries.length === 0 && f.missingReceipts.length === 0);
    // Inside the test's own timeout, so a shortfall is reported with its figures and causes.
    await waitFor("every delivery and receipt of both bursts", complete, { timeoutMs: 60_000, intervalMs: 250 }).catch(
      () => undefined,
    );
    const settled = figures();
    if (!complete()) {
      for (const name of ["alice", "bob"]) {
        const warnings = world
          .agent(name)
          .connector?.logs.filter((line) => line.level === "warn" || line.level === "error");
        console.log(
          `[federation] ${name}'s connector warnings:\n${(warnings ?? [])
            .slice(-40)
            .map((line) => JSON.stringify(line))
            .join("\n")}`,
        );
      }
      console.log(`[federation] runtime output:\n${world.stack.recentRuntimeOutput(60).join("\n")}`);
    }
    console.log(`[federation] proxy B killed after ${deliveredAtKill} of ${toBob.length} deliveries to bob`);
    console.log(formatDeliveryFigures("[federation] alice (A) -> bob (B)", settled.toBob));
    console.log(formatDeliveryFigures("[federation] bob (B) -> alice (A)", settled.toAlice));

    expect(deliveredAtKill, "the kill landed mid-burst").toBeLessThan(toBob.length);
    for (const direction of Object.values(settled)) {
      expect(direction.missingDeliveries.length, "messages lost").toBe(0);
      expect(direction.missingReceipts.length, "messages without a receipt at the sender").toBe(0);
      expect(direction.deadLettered, "delivered messages reported dead_lettered").toBe(0);
    }
    expect([...alice.webhook.invalid, ...bob.webhook.invalid]).toEqual([]);
  });
});
