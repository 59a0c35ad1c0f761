import { runInDurableObject } from "cloudflare:test";
import { RELAY_CLOSE_CODES, RELAY_PATHS } from "@clawdentity/protocol";
import { createUlid } from "@clawdentity/sdk";
import { describe, expect, it } from "vitest";
import { expectError } from "./support/expect-error";
import { connectV2 } from "./support/receipt-flow";
import { createTestAgent } from "./support/test-agents";
import { toRevokedEvent } from "./support/test-events";
import { createPairedAgents, type TestProxy } from "./support/test-proxy";
import { QUEUES, runQueueBatch } from "./support/test-queues";

const revocationCount = (proxy: TestProxy, agentDid: string) =>
  runInDurableObject(proxy.session(agentDid), async (instance, state) => {
    // Counters are written behind: a flush writes what the session holds first.
    await instance.flushMetrics();
    return state.storage.sql
      .exec<{ value: number }>("SELECT value FROM counters WHERE name = 'revocations.agent'")
      .toArray()
      .reduce((sum, row) => sum + row.value, 0);
  });

describe("agent.auth.revoked consumer", () => {
  it("A revocation event makes the agent's next request 401 and closes its socket; the same event twice is handled once", async () => {
    const { proxy, alice, bob } = await createPairedAgents();
    const { socket } = await connectV2(proxy, bob);
    const event = toRevokedEvent(bob, "agent_revoked");

    const first = await runQueueBatch(QUEUES.events, [{ id: event.id, body: event }]);
    expect(first).toMatchObject({ explicitAcks: [event.id], retryMessages: [] });
    expect((await socket.closed).code).toBe(RELAY_CLOSE_CODES.revoked);
    const refused = await expectError(await proxy.send(bob, RELAY_PATHS.relayMetrics), 401, "PROXY_AUTH_AGENT_REVOKED");
    expect(refused.details).toEqual({ reason: "agent_revoked" });
    await expectError(await proxy.sendMessage(alice, bob.did, "to a revoked agent"), 403, "PROXY_RECIPIENT_REVOKED");

    // At-least-once delivery: the same event again is acknowledged and changes nothing.
    const again = await runQueueBatch(QUEUES.events, [{ id: event.id, body: event, attempts: 2 }]);
    expect(again).toMatchObject({ explicitAcks: [event.id], retryMessages: [] });
    expect(await revocationCount(proxy, bob.did)).toBe(1);
    await expect(proxy.connect(bob)).rejects.toThrow(/401/);
  });

  it("turns messages queued for the revoked agent into recipient_revoked dead letters and notifies each sender", async () => {
    const { proxy, alice, bob } = await createPairedAgents();
    const { socket: aliceSocket } = await connectV2(proxy, alice);
    const ids = [createUlid(), createUlid()];
    for (const messageId of ids) await proxy.sendMessage(alice, bob.did, "queued for bob", { messageId });

    await runQueueBatch(QUEUES.events, [{ body: toRevokedEvent(bob, "agent_revoked") }]);
    expect((await proxy.deadLetters(bob.did)).map((row) => [row.messageId, row.reason])).toEqual(
      ids.map((id) => [id, "recipient_revoked"]),
    );
    await proxy.flushOutbound(bob.did);
    expect(proxy.published.map((event) => [event.data.messageId, event.data.reason])).toEqual(
      ids.map((id) => [id, "recipient_revoked"]),
    );
    await proxy.routeReceipts();
    const receipts = await aliceSocket.nextMany("receipt", 2);
    expect(receipts.map((frame) => [frame.messageId, frame.status, frame.reason])).toEqual(
      ids.map((id) => [id, "dead_lettered", "recipient_revoked"]),
    );
    aliceSocket.close();
  });

  it("finishes a queue longer than one batch from the alarm", async () => {
    const { proxy, alice, bob } = await createPairedAgents();
    const session = proxy.session(bob.did);
    for (let index = 0; index < 205; index++) {
      await session.enqueue({
        senderDid: alice.did,
        messageId: createUlid(),
        correlationId: `c-${index}`,
        priority: "normal",
        payload: "{}",
        acceptedAtMs: proxy.clock.nowMs(),
      });
    }
    const result = await session.revoke({ scope: "agent", reason: "agent_revoked", eventId: createUlid() });
    expect(result).toMatchObject({ recorded: true, deadLettered: 200 });
    await proxy.runAlarm(bob.did);
    const states = Object.values(await proxy.messageStates(bob.did)).map((row) => row.state);
    expect(states.filter((state) => state === "dead_lettered")).toHaveLength(205);
  });

  it.each(["reissued", "renewed"])(
    "`%s` revokes only the old AIT: the agent keeps working with its new one and keeps its queue",
    async (reason) => {
      const { proxy, alice, bob } = await createPairedAgents();
      const messageId = createUlid();
      await proxy.sendMessage(alice, bob.did, "kept", { messageId });
      const socket = await proxy.connect(bob);
      await socket.next("deliver");

      await runQueueBatch(QUEUES.events, [{ body: toRevokedEvent(bob, reason) }]);
      expect((await socket.closed).code).toBe(RELAY_CLOSE_CODES.revoked);
      await expectError(await proxy.send(bob, RELAY_PATHS.relayMetrics), 401, "PROXY_AUTH_AGENT_REVOKED");
      const reissued = await createTestAgent(proxy.clock, { reissueOf: bob });
      expect((await proxy.send(reissued, RELAY_PATHS.relayMetrics)).status).toBe(200);
      const fresh = await proxy.connect(reissued);
      expect((await fresh.next("deliver")).id).toBe(messageId);
      expect(await proxy.deadLetters(bob.did)).toEqual([]);
      fresh.close();
    },
  );

  it("a renewal: the new AIT's socket takes over the old one's in-flight message, and the `renewed` event leaves it open", async () => {
    const { proxy, alice, bob } = await createPairedAgents();
    const messageId = createUlid();
    await proxy.sendMessage(alice, bob.did, "in flight across the renewal", { messageId });
    const old = await proxy.connect(bob);
    expect((await old.next("deliver")).id).toBe(messageId);

    const renewed = await createTestAgent(proxy.clock, { reissueOf: bob });
    const fresh = await proxy.connect(renewed);
    expect((await old.closed).code).toBe(RELAY_CLOSE_CODES.superseded);
    expect((await fresh.next("deliver")).id).toBe(messageId);

    await runQueueBatch(QUEUES.events, [{ body: toRevokedEvent(bob, "renewed") }]);
    const refused = await expectError(await proxy.send(bob, RELAY_PATHS.relayMetrics), 401, "PROXY_AUTH_AGENT_REVOKED");
    // The reason tells the connector that a newer AIT replaced this one (not that the agent is gone).
    expect(refused.details).toEqual({ reason: "renewed" });
    expect((await proxy.send(renewed, RELAY_PATHS.relayMetrics)).status).toBe(200);
    fresh.ack(messageId, true);
    await fresh.sync();
    expect((await proxy.messageStates(bob.did))[messageId]?.state).toBe("delivered");
    expect(fresh.ws.readyState).toBe(WebSocket.OPEN);
    fresh.close();
  });

  it("keeps a revocation for an agent this proxy has not seen yet, and refuses it when it arrives", async () => {
    const { proxy } = await createPairedAgents();
    const carol = await createTestAgent(proxy.clock);
    const result = await runQueueBatch(QUEUES.events, [{ body: toRevokedEvent(carol, "agent_revoked") }]);
    expect(result.retryMessages).toEqual([]);
    await expectError(await proxy.send(carol, RELAY_PATHS.relayMetrics), 401, "PROXY_AUTH_AGENT_REVOKED");
  });
});
