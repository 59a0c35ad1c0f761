import { RELAY_PATHS } from "@clawdentity/protocol";
import { createUlid } from "@clawdentity/sdk";
import { describe, expect, it } from "vitest";
import { expectError } from "./support/expect-error";
import { connectV2, deliverMessage, postReceipt } from "./support/receipt-flow";
import { scrapeMetrics } from "./support/scrape-metrics";
import { createPairedAgents } from "./support/test-proxy";

const FLUSH_INTERVAL_MS = 30_000;

const scrape = scrapeMetrics;

const metric = (name: string, labels = "") => `clawdentity_proxy_${name}${labels}`;

describe("GET /metrics", () => {
  it("refuses a missing or wrong bearer token", async () => {
    const { proxy } = await createPairedAgents();
    await expectError(
      await proxy.fetch(new Request(`https://proxy.test${RELAY_PATHS.metrics}`)),
      401,
      "PROXY_METRICS_UNAUTHORIZED",
    );
    await expectError(
      await proxy.operator(RELAY_PATHS.metrics, "not-the-metrics-token"),
      401,
      "PROXY_METRICS_UNAUTHORIZED",
    );
  });

  it("aggregates what sessions flush by alarm: accepted, delivered, dead-lettered by reason, receipts, depth", async () => {
    const { proxy, alice, bob } = await createPairedAgents();
    const before = await scrape(proxy);
    const { socket: bobSocket } = await connectV2(proxy, bob);
    const delivered = await deliverMessage(proxy, alice, bobSocket, bob);
    // Nothing reaches the aggregate per message: only a session's flush, once its interval passed.
    await proxy.runAlarm(bob.did);
    expect(await scrape(proxy)).toEqual(before);
    bobSocket.close();
    await bobSocket.closed;
    await proxy.sendMessage(alice, bob.did, "expires", { messageId: createUlid() });
    await proxy.sendMessage(alice, bob.did, "expires too", { messageId: createUlid(), priority: "low" });
    await proxy.advance(bob.did, 6 * 3_600_000 - 1);
    await proxy.sendMessage(alice, bob.did, "fresh", { messageId: createUlid(), priority: "critical" });
    await proxy.advance(bob.did, 1);
    await postReceipt(proxy, bob, { messageId: delivered, senderAgentDid: alice.did, status: "delivered_to_webhook" });
    await proxy.routeReceipts();
    proxy.clock.advance(FLUSH_INTERVAL_MS);
    await proxy.runAlarm(bob.did);
    await proxy.runAlarm(alice.did);
    const after = await scrape(proxy);
    const grew = (series: string) => (after.get(series) ?? 0) - (before.get(series) ?? 0);
    expect(grew(metric("relay_messages_accepted_total"))).toBe(4);
    expect(grew(metric("relay_messages_delivered_total"))).toBe(1);
    expect(grew(metric("relay_messages_dead_lettered_total", '{reason="expired"}'))).toBe(2);
    expect(grew(metric("receipts_accepted_total", '{status="delivered_to_webhook"}'))).toBe(1);
    expect(grew(metric("receipts_routed_total", '{status="delivered_to_webhook"}'))).toBe(1);
    // The two expiry notices and the posted receipt, all routed to alice's session.
    expect(grew(metric("receipt_events_published_total"))).toBe(3);
    expect(grew(metric("receipts_routed_total", '{status="dead_lettered"}'))).toBe(2);
    expect(grew(metric("relay_queue_depth", '{priority="critical"}'))).toBe(1);
    expect(grew(metric("relay_queue_depth", '{priority="low"}'))).toBe(0);
    expect(grew(metric("relay_dead_letters_held"))).toBe(2);
    expect(grew(metric("receipts_pending"))).toBe(3);

    // A forced flush right after adds nothing: each change is counted once.
    await proxy.session(bob.did).flushMetrics();
    await proxy.session(alice.did).flushMetrics();
    expect(await scrape(proxy)).toEqual(after);
  });

  it("counts auth failures by code from the isolate, flushed once per interval", async () => {
    const { proxy, bob } = await createPairedAgents();
    const before = await scrape(proxy);
    const nonce = createUlid();
    await proxy.send(bob, RELAY_PATHS.relayMetrics, { nonce });
    await expectError(await proxy.send(bob, RELAY_PATHS.relayMetrics, { nonce }), 401, "PROXY_AUTH_REPLAYED_NONCE");
    const unsigned = new Request(`https://proxy.test${RELAY_PATHS.relayMetrics}`);
    await expectError(await proxy.fetch(unsigned), 401, "PROXY_AUTH_MISSING_AUTHORIZATION");
    proxy.clock.advance(FLUSH_INTERVAL_MS);
    await proxy.fetch(new Request(`https://proxy.test${RELAY_PATHS.health}`));
    const after = await scrape(proxy);
    const grew = (code: string) =>
      (after.get(metric("auth_failures_total", `{code="${code}"}`)) ?? 0) -
      (before.get(metric("auth_failures_total", `{code="${code}"}`)) ?? 0);
    expect(grew("PROXY_AUTH_REPLAYED_NONCE")).toBe(1);
    expect(grew("PROXY_AUTH_MISSING_AUTHORIZATION")).toBe(1);
  });

  it("counts queue consumer outcomes, retries included", async () => {
    const { proxy, bob } = await createPairedAgents();
    const { runQueueBatchWith, QUEUES } = await import("./support/test-queues");
    const { toRevokedEvent } = await import("./support/test-events");
    const before = await scrape(proxy);
    await runQueueBatchWith(
      QUEUES.events,
      [{ body: toRevokedEvent(bob, "agent_revoked") }, { body: { not: "an event" } }],
      {
        clock: proxy.clock,
        session: () => {
          throw new Error("unavailable");
        },
      },
    );
    const after = await scrape(proxy);
    const grew = (outcome: string) => {
      const series = metric("queue_messages_total", `{queue="${QUEUES.events}",outcome="${outcome}"}`);
      return (after.get(series) ?? 0) - (before.get(series) ?? 0);
    };
    expect(grew("retry")).toBe(1);
    expect(grew("malformed")).toBe(1);
  });

  it("renders every catalogued metric with HELP and TYPE", async () => {
    const { proxy } = await createPairedAgents();
    const text = await (await proxy.operator(RELAY_PATHS.metrics)).text();
    expect(text).toContain("# TYPE clawdentity_proxy_relay_messages_accepted_total counter");
    expect(text).toContain("# TYPE clawdentity_proxy_relay_queue_depth gauge");
    expect(text).toMatch(/^# HELP clawdentity_proxy_auth_failures_total /m);
  });
});
