import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type AgentWorld,
  createAgentWorld,
  type Json,
  type SentMessage,
  sendMessage,
  sleep,
  waitFor,
} from "../../scripts/harness";
import { callProxyAs } from "../../scripts/harness/signed-proxy-call";

let world: AgentWorld;

/** The shortest AIT a registry issues: the connectors renew it after 40 s. */
const TTL_SECONDS = 60;

beforeAll(async () => {
  world = await createAgentWorld({
    name: "e2e-renewal",
    agents: ["alice", "bob"],
    createArgs: () => ["--ttl-seconds", String(TTL_SECONDS)],
  });
});

afterAll(async () => {
  await world?.dispose();
});

const identityOf = async (agent: string) =>
  ((await world.cli.ok<Json>("--agent", agent, "status")).connector?.status as Json | undefined)?.identity as Json;
const readIdentityFile = (agent: string) =>
  JSON.parse(readFileSync(join(world.home, "agents", agent, "identity.json"), "utf8")) as {
    agentDid: string;
    ait: string;
    seed: string;
  };

const callProxyWith = (identity: { ait: string; seed: string }) => callProxyAs(world.stack.proxyUrl, identity);

describe("an agent renews its own identity", () => {
  it("with a 60 s AIT, keeps exchanging messages across its renewal without a restart", async () => {
    const alice = world.agent("alice");
    const bob = world.agent("bob");
    const pids = { alice: alice.connector?.started.pid, bob: bob.connector?.started.pid };
    const before = { alice: readIdentityFile("alice"), bob: readIdentityFile("bob") };
    const initial = { alice: (await identityOf("alice")).jti, bob: (await identityOf("bob")).jti };
    expect(await callProxyWith(before.alice)).toEqual({ status: 200 });

    // Messages both ways, one a second, until both agents renewed and a few seconds past that.
    const sent: Array<{ to: "alice" | "bob"; message: SentMessage }> = [];
    const renewedAt: Partial<Record<"alice" | "bob", number>> = {};
    const deadline = Date.now() + 2 * TTL_SECONDS * 1000;
    for (let index = 0; Date.now() < deadline; index++) {
      sent.push({ to: "bob", message: await sendMessage(world.cli, "alice", bob.did, { index, from: "alice" }) });
      sent.push({ to: "alice", message: await sendMessage(world.cli, "bob", alice.did, { index, from: "bob" }) });
      for (const name of ["alice", "bob"] as const) {
        if (!renewedAt[name] && (await identityOf(name)).jti !== initial[name]) renewedAt[name] = Date.now();
      }
      const last = Math.max(renewedAt.alice ?? Number.POSITIVE_INFINITY, renewedAt.bob ?? Number.POSITIVE_INFINITY);
      if (Date.now() - last > 5_000) break;
      await sleep(1_000);
    }
    expect(renewedAt.alice, "alice renewed").toBeDefined();
    expect(renewedAt.bob, "bob renewed").toBeDefined();
    console.log(`${sent.length} messages sent across both renewals`);

    // Every message arrived once, and its sender learned so.
    for (const { to, message } of sent) {
      const recipient = world.agent(to);
      const sender = world.agent(to === "bob" ? "alice" : "bob");
      await recipient.webhook.waitForDelivery(message.messageId, { timeoutMs: 30_000 });
      await sender.webhook.waitForReceipt(message.messageId, "delivered_to_webhook", { timeoutMs: 30_000 });
    }
    for (const { to, message } of sent) expect(world.agent(to).webhook.calls.get(message.messageId)).toBe(1);

    // The same processes, their relay sockets connected, each with its renewed AIT on disk.
    for (const name of ["alice", "bob"] as const) {
      const view = await world.cli.ok<Json>("--agent", name, "status");
      expect(view.connector).toMatchObject({ running: true, pid: pids[name] });
      expect(view.connector.status.socket.state).toBe("connected");
      expect(view.connector.status.identity).toMatchObject({
        state: "valid",
        renewal: { enabled: true, consecutiveFailures: 0, lastRenewedAt: expect.any(String) },
      });
      const onDisk = readIdentityFile(name);
      expect(onDisk).toMatchObject({ agentDid: before[name].agentDid, seed: before[name].seed });
      expect(onDisk.ait).not.toBe(before[name].ait);
    }

    // The AIT alice renewed away from is refused by the proxy; the renewed one works.
    await waitFor("alice's old AIT refused", async () => (await callProxyWith(before.alice)).status === 401);
    expect(await callProxyWith(before.alice)).toEqual({ status: 401, code: "PROXY_AUTH_AGENT_REVOKED" });
    expect(await callProxyWith(readIdentityFile("alice"))).toEqual({ status: 200 });
  }, 180_000);
});
