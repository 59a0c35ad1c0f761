import { operatorQueueRecordsResponseSchema, RELAY_PATHS } from "@clawdentity/protocol";
import { createUlid } from "@clawdentity/sdk";
import { describe, expect, it } from "vitest";
import { toRetryDelaySeconds } from "../src/queues";
import { expectError } from "./support/expect-error";
import { createTestAgent } from "./support/test-agents";
import { toReceiptEvent, toRevokedEvent } from "./support/test-events";
import { createPairedAgents, type TestProxy } from "./support/test-proxy";
import { QUEUES, runQueueBatch, runQueueBatchWith } from "./support/test-queues";

/** The operator's records of these message ids (the ops object lives as long as the test file). */
async function listQueueRecords(proxy: TestProxy, messageIds: string[]) {
  const response = await proxy.operator(RELAY_PATHS.opsDeadLetterQueue);
  expect(response.status).toBe(200);
  const { records } = operatorQueueRecordsResponseSchema.parse(await response.json());
  return records.filter((record) => messageIds.includes(record.messageId));
}

describe("A transient failure in a consumer is retried with a delay; a malformed message is acked and recorded; DLQ messages are listable", () => {
  it("retries a transient failure with a delay from its attempts, per message", async () => {
    const { proxy, alice, bob } = await createPairedAgents();
    const failing = toRevokedEvent(bob, "agent_revoked");
    const fine = toRevokedEvent(alice, "reissued");
    const result = await runQueueBatchWith(
      QUEUES.events,
      [
        { id: failing.id, body: failing, attempts: 3 },
        { id: fine.id, body: fine, attempts: 1 },
      ],
      {
        clock: proxy.clock,
        session: (agentDid) => {
          if (agentDid === bob.did) throw new Error("relay session overloaded");
          return proxy.session(agentDid);
        },
      },
    );
    // Third attempt: 2 s doubling twice, no jitter.
    expect(result.retryMessages.map((message: { msgId: string }) => message.msgId)).toEqual([failing.id]);
    expect(result.retryDelays).toEqual({ [failing.id]: 8 });
    expect(result.explicitAcks).toEqual([fine.id]);
    expect(result.retryBatch.retry).toBe(false);
    await expectError(await proxy.send(alice, RELAY_PATHS.relayMetrics), 401, "PROXY_AUTH_AGENT_REVOKED");
    expect((await proxy.send(bob, RELAY_PATHS.relayMetrics)).status).toBe(200);
  });

  it("computes the retry delay from the attempt count, capped", () => {
    const config = { queues: { retryBaseMs: 2_000, retryMaxMs: 300_000 } };
    const ctx = { config, random: () => 0.5 } as unknown as Parameters<typeof toRetryDelaySeconds>[1];
    expect([1, 2, 3, 4, 10, 30].map((attempts) => toRetryDelaySeconds(attempts, ctx))).toEqual([2, 4, 8, 16, 300, 300]);
  });

  it("acks and records a malformed message, an unknown event type and an unroutable receipt", async () => {
    const { proxy, bob } = await createPairedAgents();
    const malformedId = createUlid();
    const unknownId = createUlid();
    const unknownType = { ...toRevokedEvent(bob, "agent_revoked"), type: "agent.renamed" };
    const events = await runQueueBatch(QUEUES.events, [
      { id: malformedId, body: { hello: "not an event" } },
      { id: unknownId, body: unknownType },
    ]);
    expect(events.explicitAcks.sort()).toEqual([malformedId, unknownId].sort());
    expect(events.retryMessages).toEqual([]);

    const stranger = await createTestAgent(proxy.clock);
    const unroutableId = createUlid();
    const receipts = await runQueueBatch(QUEUES.receipts, [{ id: unroutableId, body: toReceiptEvent(stranger, bob) }]);
    expect(receipts.explicitAcks).toEqual([unroutableId]);

    const records = await listQueueRecords(proxy, [malformedId, unknownId, unroutableId]);
    expect(records.map((record) => [record.messageId, record.queue, record.kind]).sort()).toEqual(
      [
        [malformedId, QUEUES.events, "malformed"],
        [unknownId, QUEUES.events, "unknown_type"],
        [unroutableId, QUEUES.receipts, "unroutable"],
      ].sort(),
    );
    const malformed = records.find((record) => record.messageId === malformedId);
    expect(malformed?.reason).toMatch(/id/);
    expect(malformed?.body).toBe(JSON.stringify({ hello: "not an event" }));
  });

  it("hands each message to the consumer of its envelope type, whatever queue delivered it", async () => {
    const { proxy, alice, bob } = await createPairedAgents();
    const stranger = await createTestAgent(proxy.clock);
    const renamed = "clawdentity-renamed-queue";
    const revocation = toRevokedEvent(bob, "agent_revoked");
    const receipt = toReceiptEvent(stranger, alice);
    const unknown = { ...toRevokedEvent(alice, "agent_revoked"), type: "agent.renamed" };
    const result = await runQueueBatch(renamed, [
      { id: revocation.id, body: revocation },
      { id: receipt.id, body: receipt },
      { id: unknown.id, body: unknown },
    ]);
    expect(result.explicitAcks.sort()).toEqual([revocation.id, receipt.id, unknown.id].sort());
    expect(result.retryMessages).toEqual([]);

    // The revocation consumer applied it; the receipts consumer found no session for the stranger.
    await expectError(await proxy.send(bob, RELAY_PATHS.relayMetrics), 401, "PROXY_AUTH_AGENT_REVOKED");
    expect((await proxy.send(alice, RELAY_PATHS.relayMetrics)).status).toBe(200);
    const records = await listQueueRecords(proxy, [revocation.id, receipt.id, unknown.id]);
    expect(records.map((record) => [record.messageId, record.queue, record.kind]).sort()).toEqual(
      [
        [receipt.id, renamed, "unroutable"],
        [unknown.id, renamed, "unknown_type"],
      ].sort(),
    );
  });

  it("lists DLQ messages, counts them, and records each once", async () => {
    const proxy = (await createPairedAgents()).proxy;
    const poisonId = createUlid();
    const poison = { id: poisonId, body: { type: "agent.auth.revoked", data: "poison" }, attempts: 11 };
    expect((await runQueueBatch(QUEUES.eventsDlq, [poison])).explicitAcks).toEqual([poisonId]);
    expect((await runQueueBatch(QUEUES.eventsDlq, [poison])).explicitAcks).toEqual([poisonId]);
    const receiptPoisonId = createUlid();
    await runQueueBatch(QUEUES.receiptsDlq, [{ id: receiptPoisonId, body: "garbage", attempts: 11 }]);

    const records = await listQueueRecords(proxy, [poisonId, receiptPoisonId]);
    expect(records.map((record) => [record.messageId, record.queue, record.kind, record.reason])).toEqual([
      [receiptPoisonId, QUEUES.receiptsDlq, "dead_lettered", `out of retries on ${QUEUES.receipts}`],
      [poisonId, QUEUES.eventsDlq, "dead_lettered", `out of retries on ${QUEUES.events}`],
    ]);
    expect(records[1]?.attempts).toBe(11);

    const metrics = await (await proxy.operator(RELAY_PATHS.metrics)).text();
    expect(metrics).toContain(
      `clawdentity_proxy_queue_records_held{queue="${QUEUES.eventsDlq}",kind="dead_lettered"} 1`,
    );
    expect(metrics).toContain(
      `clawdentity_proxy_queue_records_total{queue="${QUEUES.receiptsDlq}",kind="dead_lettered"} 1`,
    );
  });

  it("refuses the operator routes without the metrics token", async () => {
    const { proxy } = await createPairedAgents();
    await expectError(
      await proxy.operator(RELAY_PATHS.opsDeadLetterQueue, "wrong-token-wrong-token"),
      401,
      "PROXY_METRICS_UNAUTHORIZED",
    );
    const anonymous = await proxy.fetch(new Request(`https://proxy.test${RELAY_PATHS.opsDeadLetterQueue}`));
    await expectError(anonymous, 401, "PROXY_METRICS_UNAUTHORIZED");
  });
});
