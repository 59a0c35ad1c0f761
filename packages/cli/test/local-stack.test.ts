import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalStack } from "../../../scripts/local-stack/start-local-stack";
import { type CliHarness, createCliHarness, type RunningConnector } from "./helpers/cli-harness";
import { startCliTestStack } from "./helpers/local-stack";
import { startWebhookReceiver, type WebhookReceiver } from "./helpers/webhook-receiver";

// biome-ignore lint/suspicious/noExplicitAny: the CLI's JSON output is checked with matchers, field by field.
type Json = Record<string, any>;

let stack: LocalStack;
let cli: CliHarness;
let member: CliHarness;
let hooks: { alice: WebhookReceiver; bob: WebhookReceiver };
const connectors: Partial<Record<"alice" | "bob", RunningConnector>> = {};
const dids = { alice: "", bob: "" };

beforeAll(async () => {
  stack = await startCliTestStack();
  cli = createCliHarness();
  member = createCliHarness();
  hooks = { alice: await startWebhookReceiver(), bob: await startWebhookReceiver() };
}, 180_000);

afterAll(async () => {
  for (const running of Object.values(connectors)) await running?.stop();
  await hooks?.alice.close();
  await hooks?.bob.close();
  cli?.dispose();
  member?.dispose();
  await stack?.dispose();
});

const ok = async (...argv: string[]) => {
  const run = await cli.run("--json", ...argv);
  expect(run.exitCode, `${argv.join(" ")}: ${run.stderr}`).toBe(0);
  return run.json<Json>();
};

describe("clawdentity against a real local registry and proxy", () => {
  it("init and admin bootstrap (once, with the right secret)", async () => {
    await ok("init", "--registry-url", stack.registryUrl, "--proxy-url", stack.proxyUrl);
    const wrong = await cli.run("--json", "admin", "bootstrap", "--secret", "x".repeat(24));
    expect(wrong.exitCode).toBe(1);
    expect(wrong.error()).toMatchObject({ code: "REGISTRY_BOOTSTRAP_SECRET_INVALID", status: 401 });

    const session = await ok("admin", "bootstrap", "--secret", stack.secrets.bootstrapSecret, "--display-name", "Ops");
    expect(session).toMatchObject({
      owner: { role: "admin", displayName: "Ops" },
      savedTo: join(cli.home, "config.json"),
    });
    expect(session.secret).toMatch(/^clw_pat_/);
    expect(JSON.parse(readFileSync(join(cli.home, "config.json"), "utf8"))).toMatchObject({
      token: session.secret,
      ownerDid: session.owner.did,
    });
    const again = await cli.run("admin", "bootstrap", "--secret", stack.secrets.bootstrapSecret);
    expect(again.exitCode).toBe(1);
    expect(again.stderr).toMatch(/^error: REGISTRY_BOOTSTRAP_ALREADY_DONE: .* \(\S+\)\n$/);
  });

  it("invite create and redeem; a member cannot invite", async () => {
    const created = await ok("invite", "create", "--note", "for carol");
    expect(created.invite).toMatchObject({ role: "member", note: "for carol", redeemedAt: null });
    await member.run("init", "--registry-url", stack.registryUrl, "--proxy-url", stack.proxyUrl);
    const redeemed = await member.run("--json", "invite", "redeem", created.code, "--display-name", "Carol");
    expect(redeemed.exitCode, redeemed.stderr).toBe(0);
    expect(redeemed.json()).toMatchObject({ owner: { role: "member", displayName: "Carol" } });
    const reused = await member.run("--json", "invite", "redeem", created.code);
    expect(reused.error()).toMatchObject({ code: "REGISTRY_INVITE_USED", status: 409 });
    const forbidden = await member.run("--json", "invite", "create");
    expect(forbidden.error().code).toBe("REGISTRY_FORBIDDEN");
    const listed = await ok("invite", "list");
    expect(listed.invites[0]).toMatchObject({ id: created.invite.id, redeemedByDid: redeemed.json<Json>().owner.did });
  });

  it("agent create writes a 0600 home whose AIT the registry issued; names are not reused", async () => {
    for (const name of ["alice", "bob"] as const) {
      const created = await ok("agent", "create", name, "--webhook", hooks[name].url, "--framework", "openclaw");
      expect(created.agent).toMatchObject({ name, framework: "openclaw", status: "active", ttlDays: 30 });
      expect(created.local).toMatchObject({
        name,
        dir: join(cli.home, "agents", name),
        deliveryWebhookUrl: hooks[name].url,
      });
      const identityPath = join(created.local.dir, "identity.json");
      expect(statSync(identityPath).mode & 0o777).toBe(0o600);
      expect(JSON.parse(readFileSync(identityPath, "utf8"))).toMatchObject({
        agentDid: created.agent.did,
        ait: created.ait,
      });
      dids[name] = created.agent.did;
    }
    const exists = await cli.run("--json", "agent", "create", "alice");
    expect(exists.error().code).toBe("CLI_AGENT_EXISTS");

    const listed = await ok("agent", "list");
    expect(listed.agents.map((agent: Json) => [agent.name, agent.localName])).toEqual([
      ["bob", "bob"],
      ["alice", "alice"],
    ]);
    const shown = await ok("agent", "show", "alice");
    expect(shown.agent).toMatchObject({ did: dids.alice, status: "active", revokedAt: null });
    expect(shown.local).toMatchObject({ name: "alice", agentDid: dids.alice, connector: { running: false } });
    expect(shown.local.ait.iss).toBe(stack.registryUrl);
  });

  it("pair start, confirm and peers make trust mutual", async () => {
    const ticket = await ok("--agent", "alice", "pair", "start", "--ttl-seconds", "120");
    expect(ticket.initiatorAgentDid).toBe(dids.alice);
    const confirmed = await ok("--agent", "bob", "pair", "confirm", ticket.ticket);
    expect(confirmed.peer.agentDid).toBe(dids.alice);
    expect((await ok("--agent", "alice", "pair", "peers")).peers.map((peer: Json) => peer.agentDid)).toEqual([
      dids.bob,
    ]);
    expect((await ok("--agent", "bob", "pair", "peers")).peers.map((peer: Json) => peer.agentDid)).toEqual([
      dids.alice,
    ]);
    const self = await cli.run(
      "--json",
      "--agent",
      "alice",
      "pair",
      "confirm",
      (await ok("--agent", "alice", "pair", "start")).ticket,
    );
    expect(self.error().code).toBe("PROXY_PAIRING_SELF");
  });

  it("connector start runs both connectors; status --wait sees them connected", async () => {
    connectors.alice = await cli.startConnector("alice");
    connectors.bob = await cli.startConnector("bob");
    expect(connectors.alice.started).toMatchObject({ agentDid: dids.alice, deliveryWebhookUrl: hooks.alice.url });
    const status = await ok("--agent", "alice", "status", "--wait", "30");
    expect(status).toMatchObject({
      agent: { name: "alice", agentDid: dids.alice },
      registry: { url: stack.registryUrl, reachable: true, health: { status: "ok", ready: true } },
      proxy: { url: stack.proxyUrl, reachable: true, health: { ready: true } },
      connector: {
        running: true,
        localApiUrl: connectors.alice.started.localApiUrl,
        status: { socket: { state: "connected" } },
      },
    });
  });

  it("send delivers to the peer's webhook; the idempotency key returns the same messageId", async () => {
    const sent = await ok("--agent", "alice", "send", "--to", dids.bob, "--text", "hi bob", "--priority", "critical");
    expect(sent).toEqual({ messageId: expect.any(String), correlationId: sent.messageId, status: "queued" });
    const delivered = await hooks.bob.waitFor((body) => body.messageId === sent.messageId);
    expect(delivered).toMatchObject({
      type: "clawdentity.delivery.v1",
      fromAgentDid: dids.alice,
      payload: { text: "hi bob" },
      priority: "critical",
    });

    const args = [
      "--agent",
      "bob",
      "send",
      "--to",
      dids.alice,
      '{"n":1}',
      "--conversation",
      "c-1",
      "--correlation-id",
      "corr-1",
    ];
    const first = await ok(...args, "--idempotency-key", "key-1");
    const second = await ok(...args, "--idempotency-key", "key-1");
    expect(second.messageId).toBe(first.messageId);
    const reply = await hooks.alice.waitFor((body) => body.messageId === first.messageId);
    expect(reply).toMatchObject({
      payload: { n: 1 },
      conversationId: "c-1",
      correlationId: "corr-1",
      priority: "normal",
    });
    expect(hooks.alice.bodies.filter((body) => body.messageId === first.messageId)).toHaveLength(1);
  });

  it("trace merges the connector's and the relay's records in time order with hop durations", async () => {
    const sent = await ok("--agent", "alice", "send", "--to", dids.bob, "--text", "trace me");
    await hooks.bob.waitFor((body) => body.messageId === sent.messageId);
    const trace = await ok("--agent", "alice", "trace", sent.messageId);
    expect(trace).toMatchObject({ messageId: sent.messageId, senderAgentDid: dids.alice, recipientAgentDid: dids.bob });
    const connectorEvents = trace.timeline
      .filter((step: Json) => step.source === "connector")
      .map((step: Json) => step.event);
    expect(connectorEvents.slice(0, 2)).toEqual(["queued", "relayed"]);
    for (const [index, step] of trace.timeline.entries()) {
      const previous = trace.timeline[index - 1];
      expect(step.sinceStartMs).toBe(previous ? previous.sinceStartMs + step.sincePreviousMs : 0);
      expect(step.sincePreviousMs).toBeGreaterThanOrEqual(0);
    }
    expect(trace.totalMs).toBe(trace.timeline.at(-1).sinceStartMs);
    // Each hop against its current p50/p99: this message is in those histograms, so they have data.
    const relayed = trace.hops.find((hop: Json) => hop.hop === "accept_to_relayed");
    expect(relayed).toMatchObject({ tookMs: expect.any(Number), p50Ms: expect.any(Number), p99Ms: expect.any(Number) });
    expect(trace.latencyReference.connector.outboundRelay.count).toBeGreaterThanOrEqual(1);
    if (trace.proxy)
      expect(trace.timeline.some((step: Json) => step.source === "proxy" && step.event === "accepted")).toBe(true);
    else expect(trace.errors.proxy.code).toMatch(/^PROXY_/);
  });

  it("after pair remove a send is dead-lettered; dead-letters list, show, retry and purge it", async () => {
    expect(await ok("--agent", "alice", "pair", "remove", dids.bob)).toEqual({ removed: true, peerAgentDid: dids.bob });
    expect((await ok("--agent", "bob", "pair", "peers")).peers).toEqual([]);
    const refused = await cli.run(
      "--json",
      "--agent",
      "alice",
      "send",
      "--to",
      dids.bob,
      "--text",
      "late",
      "--wait",
      "20",
    );
    expect(refused.exitCode).toBe(1);
    const outcome = refused.json<Json>();
    expect(outcome).toMatchObject({ status: "dead_lettered", deadLetterReason: "untrusted" });
    expect(refused.error().code).toBe("CLI_MESSAGE_DEAD_LETTERED");

    const listed = await ok("--agent", "alice", "dead-letters", "list", "--direction", "outbound");
    expect(listed.deadLetters).toEqual([
      expect.objectContaining({
        messageId: outcome.messageId,
        reason: "untrusted",
        peerAgentDid: dids.bob,
        source: "local",
      }),
    ]);
    const shown = await ok("--agent", "alice", "dead-letters", "show", outcome.messageId);
    expect(shown.deadLetter).toMatchObject({ messageId: outcome.messageId, direction: "outbound" });
    const retried = await ok("--agent", "alice", "dead-letters", "retry", outcome.messageId);
    expect(retried).toEqual({ retried: [{ direction: "outbound", messageId: outcome.messageId }] });
    const missing = await cli.run("--json", "--agent", "alice", "dead-letters", "show", "01J0000000000000000000000M");
    expect(missing.error().code).toBe("CLI_NOT_FOUND");
    await expect
      .poll(async () => (await ok("--agent", "alice", "dead-letters", "list")).deadLetters.length, { timeout: 20_000 })
      .toBe(1);
    const unconfirmed = await cli.run("--json", "--agent", "alice", "dead-letters", "purge");
    expect(unconfirmed.error().code).toBe("CLI_CONFIRMATION_REQUIRED");
    expect(await ok("--agent", "alice", "dead-letters", "purge", "--yes")).toEqual({ purged: 1 });
    expect((await ok("--agent", "alice", "dead-letters", "list")).deadLetters).toEqual([]);
  });

  it("reissue stores the new AIT; revoke marks the agent revoked", async () => {
    const before = JSON.parse(readFileSync(join(cli.home, "agents", "bob", "identity.json"), "utf8"));
    const reissued = await ok("agent", "reissue", "bob", "--ttl-days", "7");
    expect(reissued.agent).toMatchObject({ did: dids.bob, ttlDays: 7 });
    const after = JSON.parse(readFileSync(join(cli.home, "agents", "bob", "identity.json"), "utf8"));
    expect(after).toEqual({ ...before, ait: reissued.ait });
    expect((await ok("agent", "show", "bob")).local.ait.jti).toBe(reissued.agent.currentJti);

    const revoked = await ok("agent", "revoke", dids.alice, "--yes");
    expect(revoked.agent).toMatchObject({ did: dids.alice, status: "revoked", revokedAt: expect.any(String) });
    expect((await ok("agent", "list", "--status", "revoked")).agents.map((agent: Json) => agent.did)).toEqual([
      dids.alice,
    ]);
  });

  it("connector stop answers the stop line and clears runtime.json", async () => {
    const stopped = await connectors.bob?.stop();
    connectors.bob = undefined;
    expect(stopped?.exitCode).toBe(0);
    expect(
      stopped?.stdout
        .trim()
        .split("\n")
        .map((line) => JSON.parse(line).event),
    ).toEqual(["started", "stopped"]);
    const bobStatus = await cli.run("--json", "--agent", "bob", "status");
    expect(bobStatus.exitCode).toBe(3);
    expect(bobStatus.json<Json>()).toMatchObject({ connector: { running: false }, down: ["connector of bob stopped"] });
    expect(bobStatus.error().code).toBe("CLI_DOWN");
  });

  it("agent create takes a short lifetime and a renewal policy; agent renew and agent policy", async () => {
    const created = await ok(
      "agent",
      "create",
      "carol",
      "--ttl-seconds",
      "600",
      "--max-lifetime-days",
      "30",
      "--no-self-renewal",
    );
    expect(created.agent).toMatchObject({
      ttlSeconds: 600,
      ttlDays: 0,
      renewal: { selfRenewal: false, maxLifetimeDays: 30 },
    });
    const both = await cli.run("--json", "agent", "create", "dave", "--ttl-days", "1", "--ttl-seconds", "600");
    expect(both.error().code).toBe("CLI_INVALID_ARGUMENT");

    const refused = await cli.run("--json", "agent", "renew", "carol");
    expect(refused.exitCode).toBe(1);
    expect(refused.error().code).toBe("REGISTRY_RENEWAL_DISABLED");
    const policy = await ok("agent", "policy", "carol", "--self-renewal", "on");
    expect(policy.agent.renewal).toMatchObject({ selfRenewal: true, maxLifetimeDays: 30 });

    const identityPath = join(cli.home, "agents", "carol", "identity.json");
    const before = JSON.parse(readFileSync(identityPath, "utf8"));
    const renewed = await ok("agent", "renew", "carol");
    expect(renewed).toMatchObject({ agentDid: created.agent.did, rotated: false, via: "cli" });
    const after = JSON.parse(readFileSync(identityPath, "utf8"));
    expect(after).toMatchObject({ agentDid: before.agentDid, seed: before.seed });
    expect(after.ait).not.toBe(before.ait);
    expect((await ok("agent", "show", "carol")).local.ait.jti).toBe(renewed.jti);

    const rotated = await ok("agent", "renew", "carol", "--rotate-key");
    expect(rotated.rotated).toBe(true);
    const rotatedIdentity = JSON.parse(readFileSync(identityPath, "utf8"));
    expect(rotatedIdentity.seed).not.toBe(before.seed);
    expect(rotatedIdentity.nextSeed).toBeUndefined();
    expect((await ok("agent", "show", "carol")).agent.publicKey).not.toBe(created.agent.publicKey);
  });
});
