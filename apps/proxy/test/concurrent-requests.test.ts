import {
  billableOpsResponseSchema,
  PRIORITIES,
  PRIORITY_RANK,
  RELAY_PATHS,
  relayAcceptedResponseSchema,
} from "@clawdentity/protocol";
import { createUlid } from "@clawdentity/sdk";
import { describe, expect, it } from "vitest";
import { expectError } from "./support/expect-error";
import { createPairedAgents, type TestProxy } from "./support/test-proxy";

const rpcCalls = async (proxy: TestProxy) => {
  const response = await proxy.operator(RELAY_PATHS.opsBillableOps);
  return billableOpsResponseSchema.parse(await response.json()).counts.durableObjectRpcCalls;
};

describe("concurrent single-message requests", () => {
  it("share admission and store calls, and each keeps its own outcome: queued, duplicate, replay refused", async () => {
    const { proxy, alice, bob } = await createPairedAgents();
    const repeated = createUlid();
    const requests = await Promise.all(
      Array.from({ length: 40 }, (_, index) =>
        proxy.messageRequest(
          alice,
          bob.did,
          { index },
          index < 2 ? { messageId: repeated, correlationId: `c${index}` } : {},
        ),
      ),
    );
    const replayed = (requests[2] as Request).clone();
    const before = await rpcCalls(proxy);
    const answers = await Promise.all([...requests, replayed].map((request) => proxy.fetch(request)));
    const used = (await rpcCalls(proxy)) - before;

    const replays = answers.filter((answer) => answer.status === 401);
    expect(replays).toHaveLength(1);
    await expectError(replays[0] as Response, 401, "PROXY_AUTH_REPLAYED_NONCE");
    const accepted = answers.filter((answer) => answer.status === 202);
    expect(accepted).toHaveLength(40);
    const bodies = await Promise.all(
      accepted.map(async (answer) => relayAcceptedResponseSchema.parse(await answer.json())),
    );
    const ofRepeated = bodies.filter((body) => body.messageId === repeated);
    expect(ofRepeated.map((body) => body.state).sort()).toEqual(["duplicate", "queued"]);
    // The duplicate answers with the correlation of the copy that was stored.
    expect(new Set(ofRepeated.map((body) => body.correlationId)).size).toBe(1);
    expect(new Set(bodies.map((body) => body.messageId)).size).toBe(39);
    expect((await proxy.metrics(bob)).queueDepth.normal).toBe(39);
    // Without sharing: an admission and a store per request, 81 calls and the timeline's.
    expect(used).toBeLessThan(answers.length);
  });

  it("mixing priorities in one shared store keeps the queue's order: critical, normal, low, each stored once", async () => {
    const { proxy, alice, bob } = await createPairedAgents({ inFlightWindow: 64 });
    const sent = Array.from({ length: 30 }, (_, index) => ({
      messageId: createUlid(),
      priority: PRIORITIES[index % PRIORITIES.length] ?? "normal",
    }));
    const requests = await Promise.all(
      sent.map((options, index) => proxy.messageRequest(alice, bob.did, { index }, options)),
    );
    const answers = await Promise.all(requests.map((request) => proxy.fetch(request)));
    expect(answers.map((answer) => answer.status)).toEqual(sent.map(() => 202));

    const socket = await proxy.connect(bob);
    const delivered = await socket.nextMany("deliver", sent.length);
    const priorityOf = new Map(sent.map((message) => [message.messageId, message.priority]));
    const ranks = delivered.map((frame) => PRIORITY_RANK[priorityOf.get(frame.id) ?? "normal"]);
    expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
    expect(new Set(delivered.map((frame) => frame.id))).toEqual(new Set(priorityOf.keys()));
    socket.close();
  });

  it("take exactly the sender's rate: 60 of 70 concurrent requests accepted, the rest refused with 429", async () => {
    const { proxy, alice, bob } = await createPairedAgents();
    const requests = await Promise.all(
      Array.from({ length: 70 }, (_, index) => proxy.messageRequest(alice, bob.did, { index })),
    );
    const answers = await Promise.all(requests.map((request) => proxy.fetch(request)));
    const statuses = answers.map((answer) => answer.status);
    expect(statuses.filter((status) => status === 202)).toHaveLength(60);
    const refused = answers.filter((answer) => answer.status === 429);
    expect(refused).toHaveLength(10);
    for (const answer of refused) {
      await expectError(answer, 429, "PROXY_RATE_LIMITED");
      expect(Number(answer.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    }
    expect((await proxy.metrics(bob)).queueDepth.normal).toBe(60);
  });
});
