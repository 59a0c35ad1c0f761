import {
  RELAY_PATHS,
  relayDeadLetterPurgeResponseSchema,
  relayDeadLetterRetryResponseSchema,
  relayDeadLettersResponseSchema,
} from "@clawdentity/protocol";
import { createUlid } from "@clawdentity/sdk";
import { describe, expect, it } from "vitest";
import { expectError } from "./support/expect-error";
import type { TestAgent } from "./support/test-agents";
import { createPairedAgents, type TestProxy } from "./support/test-proxy";

const HOUR_MS = 3_600_000;
const SIX_HOURS_MS = 6 * HOUR_MS;
const SEVEN_DAYS_MS = 7 * 24 * HOUR_MS;

const listDeadLetters = async (proxy: TestProxy, agent: TestAgent) =>
  relayDeadLettersResponseSchema.parse(await (await proxy.send(agent, RELAY_PATHS.deadLetters)).json()).deadLetters;

/** Sends a message that expires unread: bob never connects. */
async function expireOne(proxy: TestProxy, alice: TestAgent, bob: TestAgent, options: { priority?: "low" } = {}) {
  const messageId = createUlid();
  await proxy.sendMessage(
    alice,
    bob.did,
    { n: messageId },
    { messageId, correlationId: `corr-${messageId}`, ...options },
  );
  await proxy.advance(bob.did, SIX_HOURS_MS);
  return messageId;
}

describe("relay dead letters", () => {
  it("lists the agent's dead letters newest first, with sender, correlation, priority, reason and attempts", async () => {
    const { proxy, alice, bob } = await createPairedAgents();
    const first = await expireOne(proxy, alice, bob, { priority: "low" });
    const firstAt = proxy.clock.nowMs();
    const second = await expireOne(proxy, alice, bob);
    expect(await listDeadLetters(proxy, bob)).toEqual([
      {
        messageId: second,
        senderAgentDid: alice.did,
        correlationId: `corr-${second}`,
        priority: "normal",
        reason: "expired",
        attempts: 0,
        deadLetteredAt: new Date(proxy.clock.nowMs()).toISOString(),
      },
      expect.objectContaining({ messageId: first, priority: "low", deadLetteredAt: new Date(firstAt).toISOString() }),
    ]);
    // The sender does not see the recipient's dead letters.
    expect(await listDeadLetters(proxy, alice)).toEqual([]);
  });

  it("retries a dead letter: it is queued again with fresh attempts and TTL and delivered", async () => {
    const { proxy, alice, bob } = await createPairedAgents();
    const messageId = await expireOne(proxy, alice, bob);
    const retried = await proxy.send(bob, `${RELAY_PATHS.deadLetters}/${messageId}/retry`, { method: "POST" });
    expect(relayDeadLetterRetryResponseSchema.parse(await retried.json())).toEqual({
      messageId,
      senderAgentDid: alice.did,
      state: "queued",
      queueDepth: 1,
    });
    expect(await listDeadLetters(proxy, bob)).toEqual([]);
    // A fresh TTL: the old expiry has long passed, the message is still live 6 h later minus 1 ms.
    await proxy.advance(bob.did, SIX_HOURS_MS - 1);
    const socket = await proxy.connect(bob);
    expect(await socket.next("deliver")).toMatchObject({ id: messageId, payload: { n: messageId } });
    await expectError(
      await proxy.send(bob, `${RELAY_PATHS.deadLetters}/${messageId}/retry`, { method: "POST" }),
      404,
      "PROXY_DEAD_LETTER_NOT_FOUND",
    );
    socket.close();
  });

  it("refuses a retry into a full queue, and an unknown or malformed id", async () => {
    const { proxy, alice, bob } = await createPairedAgents({ queueCapacity: 1 });
    const messageId = await expireOne(proxy, alice, bob);
    await proxy.sendMessage(alice, bob.did, "fills the queue");
    await expectError(
      await proxy.send(bob, `${RELAY_PATHS.deadLetters}/${messageId}/retry`, { method: "POST" }),
      507,
      "PROXY_QUEUE_FULL",
    );
    await expectError(
      await proxy.send(bob, `${RELAY_PATHS.deadLetters}/${createUlid()}/retry`, { method: "POST" }),
      404,
      "PROXY_DEAD_LETTER_NOT_FOUND",
    );
    await expectError(
      await proxy.send(bob, `${RELAY_PATHS.deadLetters}/nope/retry`, { method: "POST" }),
      400,
      "PROXY_VALIDATION_FAILED",
    );
  });

  it("purges dead letters older than a duration, or all of them", async () => {
    const { proxy, alice, bob } = await createPairedAgents();
    const old = await expireOne(proxy, alice, bob);
    proxy.clock.advance(2 * HOUR_MS);
    const recent = await expireOne(proxy, alice, bob);
    const purge = async (query: string) =>
      relayDeadLetterPurgeResponseSchema.parse(
        await (await proxy.send(bob, `${RELAY_PATHS.deadLetters}${query}`, { method: "DELETE" })).json(),
      );
    expect(await purge("?olderThan=7h")).toEqual({ purged: 1 });
    expect((await listDeadLetters(proxy, bob)).map((row) => row.messageId)).toEqual([recent]);
    // A purged message's id is free again: the sender may send it anew.
    expect(await (await proxy.sendMessage(alice, bob.did, "again", { messageId: old })).json()).toMatchObject({
      state: "queued",
    });
    expect(await purge("")).toEqual({ purged: 1 });
    expect(await listDeadLetters(proxy, bob)).toEqual([]);
    await expectError(
      await proxy.send(bob, `${RELAY_PATHS.deadLetters}?olderThan=yesterday`, { method: "DELETE" }),
      400,
      "PROXY_VALIDATION_FAILED",
    );
  });

  it("keeps dead letters for 7 days, then the alarm removes them", async () => {
    const { proxy, alice, bob } = await createPairedAgents();
    const messageId = await expireOne(proxy, alice, bob);
    await proxy.advance(bob.did, SEVEN_DAYS_MS - 1);
    expect((await listDeadLetters(proxy, bob)).map((row) => row.messageId)).toEqual([messageId]);
    await proxy.advance(bob.did, 1);
    expect(await listDeadLetters(proxy, bob)).toEqual([]);
  });
});
