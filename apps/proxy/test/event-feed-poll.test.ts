import { env } from "cloudflare:workers";
import { RELAY_PATHS } from "@clawdentity/protocol";
import { describe, expect, it } from "vitest";
import { pollEventFeed } from "../src/queues";
import { toCronDeps } from "./support/cron-deps";
import { expectError } from "./support/expect-error";
import { TEST_REGISTRY_CONTROL } from "./support/registry-fixture";
import { createTestAgent } from "./support/test-agents";
import { toRevokedEvent } from "./support/test-events";
import { createPairedAgents, type TestProxy } from "./support/test-proxy";

const poll = (proxy: TestProxy) => pollEventFeed(toCronDeps(proxy));

describe("revocations from the registry's signed event feed (PROTOCOL.md §11.5)", () => {
  it("applies every page of the feed once, like the queue event, and resumes at its cursor", async () => {
    const { proxy, alice, bob } = await createPairedAgents();
    const others = [await createTestAgent(proxy.clock), await createTestAgent(proxy.clock)];
    const events = [toRevokedEvent(others[0] ?? bob, "agent_revoked"), toRevokedEvent(bob, "agent_revoked")];
    events.push(toRevokedEvent(others[1] ?? bob, "agent_revoked"));
    for (const event of events) {
      await env.REGISTRY?.fetch(`https://registry.test${TEST_REGISTRY_CONTROL.events}`, {
        method: "POST",
        body: JSON.stringify(event),
      });
    }

    // The stub pages two events at a time: the poll follows `hasMore` within one run.
    expect(await poll(proxy)).toEqual({ pages: 2, applied: 3, cursor: "3" });
    await expectError(await proxy.send(bob, RELAY_PATHS.relayMetrics), 401, "PROXY_AUTH_AGENT_REVOKED");
    await expectError(await proxy.sendMessage(alice, bob.did, "to a revoked agent"), 403, "PROXY_RECIPIENT_REVOKED");

    // The next run starts at the stored cursor: nothing is applied twice.
    expect(await poll(proxy)).toEqual({ pages: 1, applied: 0, cursor: "3" });
    expect((await proxy.send(alice, RELAY_PATHS.relayMetrics)).status).toBe(200);
  });
});
