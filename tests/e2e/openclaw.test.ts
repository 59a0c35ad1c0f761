import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createUlid } from "../../packages/sdk/src/index.ts";
import {
  type AgentWorld,
  createAgentWorld,
  readOutbound,
  sendMessage,
  sleep,
  updateAgentConfig,
  waitFor,
} from "../../scripts/harness";
import {
  type AnswerHoldingProxy,
  createOpenClawGateway,
  ensureOpenClaw,
  type ModelStub,
  type OpenClawGateway,
  startAnswerHoldingProxy,
  startModelStub,
} from "../../scripts/harness/openclaw";

/**
 * The last hop with a real OpenClaw gateway per agent (installed from npm into a cache outside the
 * clone, Node 24 included): deliveries become agent turns, receipts and dead letters system events,
 * a wrong token pauses without losing anything, and OpenClaw's Idempotency-Key keeps a redelivery
 * after `kill -9` from running the agent twice. The model is a stub on loopback that records what
 * each agent was given.
 */
const run = promisify(execFile);
let world: AgentWorld;
let stub: ModelStub;
const gateways: Record<string, OpenClawGateway> = {};
let proxy: AnswerHoldingProxy | undefined;
const timings: string[] = [];

const gateway = (name: string) => gateways[name] as OpenClawGateway;
const inbox = async (agent: string) =>
  (
    await world.cli.ok<{ connector: { status: { queues: { inbox: { pending: number; delivered: number } } } } }>(
      "--agent",
      agent,
      "status",
    )
  ).connector.status.queues.inbox;

async function setupOpenClaw(agent: string) {
  return world.cli.ok<{ hookUrl: string; changed: boolean }>(
    "--agent",
    agent,
    "openclaw",
    "setup",
    "--config",
    gateway(agent).configPath,
  );
}

beforeAll(async () => {
  const started = Date.now();
  const install = await ensureOpenClaw();
  timings.push(
    `OpenClaw ${install.installed ? "installed" : "reused from the cache"} in ${install.ms} ms (${install.dir})`,
  );
  stub = await startModelStub();
  // Connectors start after `openclaw setup`: it fixes the local API port the skill uses.
  world = await createAgentWorld({ name: "e2e-openclaw", agents: ["alice", "bob"], connect: [] });
  for (const name of ["alice", "bob"]) {
    gateways[name] = await createOpenClawGateway({ install, name, modelBaseUrl: stub.baseUrlFor(name) });
    await setupOpenClaw(name);
  }
  const ready = await Promise.all(Object.values(gateways).map((each) => each.start()));
  timings.push(`gateways ready in ${ready.map((each) => `${each.readyMs} ms`).join(" and ")}`);
  await world.startConnector("alice");
  await world.startConnector("bob");
  timings.push(`set-up ${Date.now() - started} ms`);
}, 900_000);

afterAll(async () => {
  console.log(`[openclaw] ${timings.join("; ")}`);
  await proxy?.close();
  await world?.dispose();
  for (const each of Object.values(gateways)) await each.dispose();
  await stub?.close();
}, 120_000);

describe("a real OpenClaw gateway as the agent runtime", () => {
  it("alice's message reaches bob's OpenClaw as an agent turn with the text and alice's DID; the receipt comes back", async () => {
    const alice = world.agent("alice");
    const bob = world.agent("bob");
    const text = `Please add 2 and 3 (${createUlid()})`;
    const sent = await sendMessage(world.cli, "alice", bob.did, { text }, { conversation: "sums" });

    const turn = await stub.waitForCall("bob", [text, alice.did]);
    expect(turn.texts.join("\n")).toContain("conversationId: sums");
    expect(turn.texts.join("\n")).toContain(`Clawdentity message from alice (${alice.did})`);
    // Bob's connector got OpenClaw's 2xx; alice's connector has the receipt; alice's agent is told.
    await waitFor("bob's inbox row delivered", async () => (await inbox("bob")).delivered >= 1);
    await waitFor(
      "alice's receipt",
      async () => (await readOutbound(world.cli, "alice", sent.messageId))?.status === "delivered_to_webhook",
    );
    await stub.waitForCall("alice", [`your message ${sent.messageId}`, "was delivered"]);
    // The agent has the skill to answer through its connector.
    expect(turn.texts[0]).toContain("clawdentity-bob");
  });

  it("the skill bob's agent has sends to alice through bob's connector and reads the outcome", async () => {
    const alice = world.agent("alice");
    const config = JSON.parse(readFileSync(gateway("bob").configPath, "utf8"));
    const env = { ...process.env, ...config.skills.entries["clawdentity-bob"].env };
    const skill = readFileSync(join(gateway("bob").dir, "skills", "clawdentity-bob", "SKILL.md"), "utf8");
    const [send, check] = [...skill.matchAll(/```sh\n([\s\S]*?)```/g)].map((match) => match[1] ?? "");
    // What the agent's exec tool would run, with the placeholders filled in for a new conversation.
    const text = `Hello alice, from the agent of bob (${createUlid()})`;
    const command = (send ?? "")
      .replace("<their DID>", alice.did)
      .replace("<your message>", text)
      .replace(/,"conversationId":"[^"]*","replyTo":"[^"]*"/, "");
    const sent = JSON.parse((await run("bash", ["-c", command], { env })).stdout) as { messageId: string };
    await stub.waitForCall("alice", [text, world.agent("bob").did]);
    const status = await waitFor("the outcome through the skill", async () => {
      const { stdout } = await run("bash", ["-c", (check ?? "").replace("<messageId>", sent.messageId)], { env });
      const answer = JSON.parse(stdout) as { status: string };
      return answer.status === "delivered_to_webhook" && answer;
    });
    expect(status).toMatchObject({ messageId: sent.messageId, toAgentDid: alice.did });
  });

  it("a dead letter reaches the sender's OpenClaw as a system event", async () => {
    const nobody = `did:cdi:127.0.0.1:agent:${createUlid()}`;
    const sent = await sendMessage(world.cli, "alice", nobody, { text: "anyone there?" });
    const event = await stub.waitForCall("alice", [
      `your message ${sent.messageId}`,
      "dead-lettered (recipient_not_found)",
    ]);
    expect(event.texts.some((text) => text.includes("System:"))).toBe(true);
  });

  it("a wrong token pauses deliveries without losing them, doctor names the cause, fixing the config delivers the backlog", async () => {
    const bob = world.agent("bob");
    const changes = () => bob.connector?.logs.filter((line) => line.message === "webhook target changed").length ?? 0;
    const before = changes();
    updateAgentConfig(world.home, "bob", (config) => ({
      ...config,
      webhook: { ...config.webhook, headers: { authorization: "Bearer not-the-hooks-token" } },
    }));
    // The running connector reads its config again within a second.
    await waitFor("bob's connector on the wrong token", () => changes() > before);
    const texts = [1, 2, 3].map((index) => `backlog ${index} (${createUlid()})`);
    const sent = [];
    for (const text of texts) sent.push(await sendMessage(world.cli, "alice", bob.did, { text }));
    await waitFor(
      "bob's deliveries paused",
      async () =>
        (await world.cli.ok<{ connector: { status: { webhookPause?: unknown } } }>("--agent", "bob", "status"))
          .connector.status.webhookPause,
      { timeoutMs: 30_000 },
    );
    await waitFor("the backlog in bob's inbox", async () => (await inbox("bob")).pending === 3);

    const doctor = await world.cli.run("--json", "--agent", "bob", "connector", "doctor");
    expect(doctor.exitCode).toBe(3);
    const checks = Object.fromEntries(
      doctor
        .json<{ checks: Array<{ name: string; status: string; detail: string }> }>()
        .checks.map((check) => [check.name, check]),
    );
    expect(checks.webhook).toMatchObject({ status: "fail", detail: expect.stringContaining("(HTTP 401)") });
    expect(checks.deliveries).toMatchObject({
      status: "fail",
      detail: expect.stringContaining("3 message(s) waiting"),
    });
    expect(checks.relay_socket).toMatchObject({ status: "ok" });
    for (const text of texts) expect(stub.callsWith("bob", text)).toEqual([]);

    // The fix: setup again puts the gateway's token back; the running connector takes it and delivers.
    expect((await setupOpenClaw("bob")).changed).toBe(true);
    for (const text of texts) await stub.waitForCall("bob", [text]);
    for (const message of sent) {
      await waitFor(`receipt of ${message.messageId}`, async () => {
        const outbound = await readOutbound(world.cli, "alice", message.messageId);
        return outbound?.status === "delivered_to_webhook";
      });
    }
    const healthy = await world.cli.run("--json", "--agent", "bob", "connector", "doctor");
    expect(healthy.exitCode, healthy.stdout).toBe(0);
  });

  it("after kill -9 of bob's connector mid-delivery, OpenClaw's Idempotency-Key prevents a second agent turn", async () => {
    const bob = world.agent("bob");
    const hookUrl = new URL((await setupOpenClaw("bob")).hookUrl);
    // Bob's connector reaches the gateway through a hop that can keep the gateway's answer from it.
    proxy = await startAnswerHoldingProxy(gateway("bob").url);
    const viaProxy = `${proxy.url}${hookUrl.pathname}`;
    updateAgentConfig(world.home, "bob", (config) => ({ ...config, deliveryWebhookUrl: viaProxy }));
    await bob.connector?.waitForLog("webhook target changed", (line) => line.url === viaProxy);

    const text = `run me once (${createUlid()})`;
    const held = proxy.holdAnswerTo(text);
    const sent = await sendMessage(world.cli, "alice", bob.did, { text });
    const first = await held;
    expect(first.status).toBe(200);
    await stub.waitForCall("bob", [text]);
    // OpenClaw admitted and ran it; bob's connector never learns: it dies now.
    await world.stopConnector("bob", { kill: true });
    proxy.release();

    await world.startConnector("bob");
    await waitFor(
      "the redelivery answered",
      () => proxy?.calls.filter((call) => call.idempotencyKey === sent.messageId && call.passedBack).length === 1,
      { timeoutMs: 30_000 },
    );
    const calls = proxy.calls.filter((call) => call.idempotencyKey === sent.messageId);
    expect(calls).toHaveLength(2);
    // The same key and body: OpenClaw answers with the first run's id and starts nothing new.
    expect(JSON.parse(calls[1]?.answer ?? "{}").runId).toBe(JSON.parse(calls[0]?.answer ?? "{}").runId);
    await waitFor(
      "alice's receipt",
      async () => (await readOutbound(world.cli, "alice", sent.messageId))?.status === "delivered_to_webhook",
    );
    await sleep(3_000);
    expect(stub.callsWith("bob", text)).toHaveLength(1);
  });
});
