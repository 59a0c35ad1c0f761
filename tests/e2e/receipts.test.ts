import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Priority } from "../../packages/protocol/src/index.ts";
import type { Json } from "../../scripts/harness";
import {
  type AgentWorld,
  answerWithPayloadFailStatus,
  createAgentWorld,
  FAST_WEBHOOK_DEAD_LETTER_TUNING,
  findMissingHops,
  sendAndWait,
  type TraceTimelineStep,
} from "../../scripts/harness";

let world: AgentWorld;

beforeAll(async () => {
  world = await createAgentWorld({
    name: "e2e-receipts",
    agents: ["alice", "bob"],
    tuning: (agent) => (agent === "bob" ? FAST_WEBHOOK_DEAD_LETTER_TUNING : {}),
  });
  world.agent("bob").webhook.respondWith(answerWithPayloadFailStatus);
});

afterAll(async () => {
  await world?.dispose();
});

const sendAndWaitFor = (from: string, to: string, payload: unknown, priority: Priority = "normal") =>
  sendAndWait(world.cli, from, world.agent(to).did, payload, { priority });

describe("receipts reach the sender", () => {
  it("both ways: send --wait ends delivered_to_webhook and the sender's runtime gets the receipt", async () => {
    for (const [from, to, priority] of [
      ["alice", "bob", "critical"],
      ["bob", "alice", "low"],
    ] as const) {
      const result = await sendAndWaitFor(from, to, { hello: to }, priority);
      expect(result.exitCode, result.stderr).toBe(0);
      const outcome = result.json<Json>();
      expect(outcome).toMatchObject({ status: "delivered_to_webhook", priority, toAgentDid: world.agent(to).did });
      expect(outcome.receipts).toEqual([expect.objectContaining({ status: "delivered_to_webhook" })]);
      expect(await world.agent(from).webhook.waitForReceipt(outcome.messageId, "delivered_to_webhook")).toMatchObject({
        type: "clawdentity.receipt.v1",
        correlationId: outcome.correlationId,
        toAgentDid: world.agent(to).did,
      });
    }
  });

  it("trace shows every hop in order, with hop durations that add up", async () => {
    const result = await sendAndWaitFor("alice", "bob", { trace: true });
    expect(result.exitCode, result.stderr).toBe(0);
    const trace = await world.cli.ok<Json>("--agent", "alice", "trace", result.json<Json>().messageId);
    expect(trace).toMatchObject({
      status: "delivered_to_webhook",
      relayState: "delivered_to_webhook",
      errors: { connector: null, proxy: null },
    });
    const timeline = trace.timeline as TraceTimelineStep[];
    expect(findMissingHops(timeline)).toEqual([]);
    for (const [index, step] of timeline.entries()) {
      expect(step.sinceStartMs).toBe(index === 0 ? 0 : (timeline[index - 1]?.sinceStartMs ?? 0) + step.sincePreviousMs);
    }
    expect(trace.totalMs).toBe(timeline.at(-1)?.sinceStartMs);
  });

  it("a webhook that keeps failing: the SENDER's runtime receives dead_lettered with the reason", async () => {
    for (const [fail, reason] of [
      [500, "max_attempts"],
      [422, "webhook_rejected"],
    ] as const) {
      const result = await sendAndWaitFor("alice", "bob", { fail });
      expect(result.exitCode).toBe(1);
      expect(result.error()?.code).toBe("CLI_MESSAGE_DEAD_LETTERED");
      const outcome = result.json<Json>();
      expect(outcome).toMatchObject({ status: "dead_lettered", deadLetterReason: reason });
      expect(await world.agent("alice").webhook.waitForReceipt(outcome.messageId, "dead_lettered")).toMatchObject({
        reason,
        toAgentDid: world.agent("bob").did,
      });
      const trace = await world.cli.ok<Json>("--agent", "alice", "trace", outcome.messageId);
      expect(trace.timeline.map((step: Json) => `${step.source}:${step.event}`)).toContain("proxy:dead_lettered");
    }
  });
});
