import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AgentWorld, createAgentWorld, relaySigned, startScratchStack } from "../../scripts/harness";

/**
 * Enough for the coalesced session calls to hand the lead from request to request thousands of
 * times, and for the revocation list to be refreshed (once a second here) while requests share it.
 */
const MESSAGES = 6_000;
const IN_FLIGHT = 16;

let world: AgentWorld;

beforeAll(async () => {
  world = await createAgentWorld({
    name: "e2e-sustained-relay",
    agents: ["alice", "carol"],
    connect: [],
    startStack: (name) =>
      startScratchStack({
        name,
        proxyVars: {
          SENDER_RATE_LIMIT_PER_MINUTE: "100000000",
          RELAY_QUEUE_CAPACITY: String(MESSAGES * 8),
          CRL_REFRESH_INTERVAL_MS: "1000",
        },
      }),
  });
});

afterAll(async () => {
  await world?.dispose();
});

describe("sustained relay to one recipient", () => {
  it("answers every request 202 while concurrent requests share one session's calls", async () => {
    const statuses = new Map<number, number>();
    const refusals: string[] = [];
    const startedAt = Date.now();
    await relaySigned({
      world,
      from: "alice",
      toDid: world.agent("carol").did,
      payloads: Array.from({ length: MESSAGES }, (_, n) => ({ n })),
      concurrency: IN_FLIGHT,
      onAnswer: (_messageId, status, body) => {
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
        if (status !== 202 && refusals.length < 5) refusals.push(`${status} ${body}`);
      },
    });
    const seconds = (Date.now() - startedAt) / 1000;
    console.log(
      `[sustained-relay] ${MESSAGES} messages, ${IN_FLIGHT} in flight, ${Math.round(MESSAGES / seconds)} msg/s; answers ${JSON.stringify(Object.fromEntries(statuses))}`,
    );
    expect(refusals).toEqual([]);
    expect(Object.fromEntries(statuses)).toEqual({ 202: MESSAGES });
  }, 120_000);
});
