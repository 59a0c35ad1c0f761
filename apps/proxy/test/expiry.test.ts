import { createUlid } from "@clawdentity/sdk";
import { describe, expect, it } from "vitest";
import { createPairedAgents } from "./support/test-proxy";

const SIX_HOURS_MS = 6 * 3_600_000;
const SEVEN_DAYS_MS = 7 * 86_400_000;

describe("expiry and retention, driven by the session alarm", () => {
  it("expires a message after its 6 h TTL into a dead letter, and does not deliver it", async () => {
    const { proxy, alice, bob } = await createPairedAgents();
    const stale = createUlid();
    await proxy.sendMessage(alice, bob.did, "stale", { messageId: stale });
    proxy.clock.advance(SIX_HOURS_MS - 1);
    const fresh = createUlid();
    await proxy.sendMessage(alice, bob.did, "fresh", { messageId: fresh });
    const freshAcceptedAt = proxy.clock.nowMs();

    proxy.clock.advance(1);
    expect(await proxy.runAlarm(bob.did)).toBe(true);
    expect(await proxy.deadLetters(bob.did)).toEqual([
      { messageId: stale, reason: "expired", attempts: 0, deadLetteredAtMs: proxy.clock.nowMs() },
    ]);
    expect(await proxy.metrics(bob)).toMatchObject({ expired: 1, failed: 0, queueDepth: { normal: 1 } });

    const socket = await proxy.connect(bob, 2);
    socket.send({ type: "hello", offlineSinceMs: SIX_HOURS_MS });
    expect(await socket.next("hello_ack")).toMatchObject({
      queuedCount: 1,
      expiredCount: 1,
      oldestQueuedAt: new Date(freshAcceptedAt).toISOString(),
    });
    expect((await socket.next("deliver")).id).toBe(fresh);
    socket.close();
  });

  it("answers hello_ack without oldestQueuedAt when nothing is queued", async () => {
    const { proxy, bob } = await createPairedAgents();
    const socket = await proxy.connect(bob, 2);
    socket.send({ type: "hello" });
    const helloAck = await socket.next("hello_ack");
    expect(helloAck).toMatchObject({ queuedCount: 0, expiredCount: 0, pendingReceipts: 0 });
    expect(helloAck).not.toHaveProperty("oldestQueuedAt");
    socket.close();
  });

  it("keeps a delivery record for 7 days (duplicates refused), then prunes it", async () => {
    const { proxy, alice, bob } = await createPairedAgents();
    const socket = await proxy.connect(bob);
    const messageId = createUlid();
    await proxy.sendMessage(alice, bob.did, "once", { messageId });
    await socket.next("deliver");
    socket.ack(messageId, true);
    await socket.sync();
    socket.close();

    await proxy.advance(bob.did, SEVEN_DAYS_MS - 1);
    const before = await (await proxy.sendMessage(alice, bob.did, "again", { messageId })).json();
    expect(before).toMatchObject({ state: "duplicate" });

    await proxy.advance(bob.did, 1);
    const after = await (await proxy.sendMessage(alice, bob.did, "again", { messageId })).json();
    expect(after).toMatchObject({ state: "queued" });
  });
});
