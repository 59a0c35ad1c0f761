import {
  createExecutionContext,
  createScheduledController,
  runInDurableObject,
  waitOnExecutionContext,
} from "cloudflare:test";
import { env } from "cloudflare:workers";
import { RELAY_CLOSE_CODES, RELAY_PATHS } from "@clawdentity/protocol";
import { createUlid } from "@clawdentity/sdk";
import { describe, expect, it } from "vitest";
import { parseProxyConfig } from "../src/config";
import { sweepRevocationList } from "../src/queues";
import worker from "../src/worker";
import { toCronDeps } from "./support/cron-deps";
import { expectError } from "./support/expect-error";
import { connectV2 } from "./support/receipt-flow";
import { TEST_REGISTRY_CONTROL } from "./support/registry-fixture";
import type { TestAgent } from "./support/test-agents";
import { toRevokedEvent } from "./support/test-events";
import { createPairedAgents, type TestProxy } from "./support/test-proxy";
import { QUEUES, runQueueBatch } from "./support/test-queues";

/** The registry lists the AIT on its signed CRL; its `agent.auth.revoked` event is lost in transit (never consumed). */
async function revokeWithLostEvent(agent: TestAgent, reason: string, revokedAtMs: number) {
  await env.REGISTRY?.fetch(`https://registry.test${TEST_REGISTRY_CONTROL.revoke}`, {
    method: "POST",
    body: JSON.stringify({ jti: agent.jti, agentDid: agent.did, reason, revokedAt: Math.floor(revokedAtMs / 1000) }),
  });
}

/** How many whole-agent revocations the agent's session recorded. */
const agentRevocations = (proxy: TestProxy, agent: TestAgent) =>
  runInDurableObject(proxy.session(agent.did), async (instance, state) => {
    // Counters are written behind: a flush writes what the session holds first.
    await instance.flushMetrics();
    return state.storage.sql
      .exec<{ value: number }>("SELECT value FROM counters WHERE name = 'revocations.agent'")
      .toArray()
      .reduce((sum, row) => sum + row.value, 0);
  });

function sweep(proxy: TestProxy) {
  return sweepRevocationList(toCronDeps(proxy));
}

describe("a revocation whose event was lost in transit takes effect at the next sweep of the signed list", () => {
  it("the cron applies the CRL entry like the event: socket closed 4003, requests 401, messages to the agent refused", async () => {
    const { proxy, alice, bob } = await createPairedAgents();
    const { socket } = await connectV2(proxy, bob);
    const queuedForBob = createUlid(proxy.clock.nowMs());
    await proxy.sendMessage(alice, bob.did, "waiting for bob", { messageId: queuedForBob });
    await socket.next("deliver");
    await revokeWithLostEvent(bob, "agent_revoked", Date.now());

    // The Worker's own cron handler, as the runtime runs it every minute.
    const ctx = createExecutionContext();
    await worker.scheduled(createScheduledController({ cron: "* * * * *" }), env, ctx);
    await waitOnExecutionContext(ctx);

    expect((await socket.closed).code).toBe(RELAY_CLOSE_CODES.revoked);
    await expectError(await proxy.send(bob, RELAY_PATHS.relayMetrics), 401, "PROXY_AUTH_AGENT_REVOKED");
    await expectError(await proxy.sendMessage(alice, bob.did, "to a revoked agent"), 403, "PROXY_RECIPIENT_REVOKED");
    // What the socket had in flight went back to the queue and died there: the sender is told.
    expect((await proxy.deadLetters(bob.did)).map((row) => [row.messageId, row.reason])).toEqual([
      [queuedForBob, "recipient_revoked"],
    ]);
  });

  it("applies each entry once: a repeat sweep is a no-op, the event arriving late changes nothing, older entries stay behind the watermark", async () => {
    const { proxy, alice, bob } = await createPairedAgents();
    await revokeWithLostEvent(bob, "agent_revoked", proxy.clock.nowMs());
    expect((await sweep(proxy)).remaining).toBe(0);
    expect(await agentRevocations(proxy, bob)).toBe(1);
    await sweep(proxy);
    const late = toRevokedEvent(bob, "agent_revoked");
    await runQueueBatch(QUEUES.events, [{ id: late.id, body: late }]);
    expect(await agentRevocations(proxy, bob)).toBe(1);

    // An entry far older than what the last sweep reached is not looked at again.
    await revokeWithLostEvent(alice, "agent_revoked", proxy.clock.nowMs() - 2 * 60 * 60_000);
    await sweep(proxy);
    expect(await agentRevocations(proxy, alice)).toBe(0);
  });

  it.each(["reissued", "renewed"])(
    "a `%s` entry revokes only that AIT; the agent's newer one keeps working",
    async (reason) => {
      const { proxy, alice, bob } = await createPairedAgents();
      const { socket } = await connectV2(proxy, bob);
      await revokeWithLostEvent(bob, reason, proxy.clock.nowMs());
      await sweep(proxy);
      expect((await socket.closed).code).toBe(RELAY_CLOSE_CODES.revoked);
      const accepted = await proxy.sendMessage(alice, bob.did, "bob is still an agent");
      expect(accepted.status).toBe(202);
    },
  );

  it("the first sweep looks back a bounded window", async () => {
    const { proxy, alice, bob } = await createPairedAgents();
    const lookbackMs = parseProxyConfig(env).revocationSweepLookbackMs;
    await revokeWithLostEvent(alice, "agent_revoked", proxy.clock.nowMs() - lookbackMs - 60_000);
    await revokeWithLostEvent(bob, "agent_revoked", proxy.clock.nowMs() - 1_000);
    await sweep(proxy);
    expect(await agentRevocations(proxy, alice)).toBe(0);
    expect(await agentRevocations(proxy, bob)).toBe(1);
  });
});
