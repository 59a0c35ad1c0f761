import { billableOpsResponseSchema, messageStatusResponseSchema, RELAY_PATHS } from "@clawdentity/protocol";
import { createUlid } from "@clawdentity/sdk";
import { describe, expect, it } from "vitest";
import { recordSentSoon } from "../src/routes/sent-recorder";
import type { SentMessageInput } from "../src/session";
import { createPairedAgents } from "./support/test-proxy";

/** An environment whose sessions only record `recordSent` calls, each answered when the test says. */
function createFakeEnv() {
  const calls: Array<{ did: string; messageIds: string[]; answer: () => void }> = [];
  const stub = (did: string) => ({
    recordSent: (inputs: SentMessageInput[]) =>
      new Promise<void>((resolve) =>
        calls.push({ did, messageIds: inputs.map((input) => input.messageId), answer: resolve }),
      ),
  });
  const env = {
    RELAY_SESSIONS: { idFromName: (name: string) => name, get: (id: string) => stub(id) },
  } as unknown as Env;
  const background: Array<Promise<unknown>> = [];
  const waitUntil = (work: Promise<unknown>) => void background.push(work);
  const sent = (messageId: string): SentMessageInput => ({
    messageId,
    recipientDid: "did:cdi:test:agent:bob",
    correlationId: messageId,
    priority: "normal",
    acceptedAtMs: 0,
  });
  const settle = async () => {
    for (let turn = 0; turn < 20; turn += 1) {
      for (const call of calls) call.answer();
      await Promise.resolve();
    }
    await Promise.all(background);
  };
  return { env, calls, background, waitUntil, sent, settle };
}

describe("recordSentSoon", () => {
  it("sends the accepts that came while a call was on its way in the next call, in order", async () => {
    const fake = createFakeEnv();
    recordSentSoon(fake.env, "did:a", [fake.sent("m1")], fake.waitUntil);
    await Promise.resolve();
    recordSentSoon(fake.env, "did:a", [fake.sent("m2")], fake.waitUntil);
    recordSentSoon(fake.env, "did:a", [fake.sent("m3"), fake.sent("m4")], fake.waitUntil);
    recordSentSoon(fake.env, "did:b", [fake.sent("b1")], fake.waitUntil);
    await fake.settle();
    expect(fake.calls.map(({ did, messageIds }) => ({ did, messageIds }))).toEqual([
      { did: "did:a", messageIds: ["m1"] },
      { did: "did:b", messageIds: ["b1"] },
      { did: "did:a", messageIds: ["m2", "m3", "m4"] },
    ]);
    // One background task per flusher, none per joining request.
    expect(fake.background).toHaveLength(2);
  });

  it("hands over to a new flusher after a few rounds, losing nothing", async () => {
    const fake = createFakeEnv();
    const ids: string[] = [];
    for (let n = 0; n < 12; n += 1) {
      ids.push(`m${n}`);
      recordSentSoon(fake.env, "did:a", [fake.sent(`m${n}`)], fake.waitUntil);
      // Let the call on its way finish before the next accept comes.
      fake.calls.at(-1)?.answer();
      for (let turn = 0; turn < 5; turn += 1) await Promise.resolve();
    }
    await fake.settle();
    expect(fake.calls.flatMap((call) => call.messageIds)).toEqual(ids);
    expect(fake.background.length).toBeGreaterThan(1);
  });

  it("a failed call is logged and does not stop the accepts queued behind it", async () => {
    const fake = createFakeEnv();
    const attempted: string[] = [];
    const failing = {
      RELAY_SESSIONS: {
        idFromName: (name: string) => name,
        get: () => ({
          recordSent: async (inputs: SentMessageInput[]) => {
            attempted.push(...inputs.map((input) => input.messageId));
            throw new Error("session unavailable");
          },
        }),
      },
    } as unknown as Env;
    recordSentSoon(failing, "did:a", [fake.sent("m1")], fake.waitUntil);
    recordSentSoon(failing, "did:a", [fake.sent("m2")], fake.waitUntil);
    await Promise.all(fake.background);
    expect(attempted).toEqual(["m1", "m2"]);
  });

  it("through the relay route: concurrent accepts of one sender are all on its timeline, in fewer calls", async () => {
    const { proxy, alice, bob } = await createPairedAgents();
    const rpcCalls = async () => {
      const response = await proxy.operator(RELAY_PATHS.opsBillableOps);
      return billableOpsResponseSchema.parse(await response.json()).counts.durableObjectRpcCalls;
    };
    const before = await rpcCalls();
    const ids = Array.from({ length: 12 }, () => createUlid());
    const answers = await Promise.all(ids.map((messageId) => proxy.sendMessage(alice, bob.did, "busy", { messageId })));
    expect(answers.map((answer) => answer.status)).toEqual(ids.map(() => 202));
    const used = (await rpcCalls()) - before;
    // An admission and a store per request; the timeline's calls are fewer than the requests.
    expect(used).toBeGreaterThan(2 * ids.length);
    expect(used).toBeLessThan(3 * ids.length);
    for (const messageId of ids) {
      const status = await proxy.send(alice, `${RELAY_PATHS.messages}/${messageId}`);
      expect(messageStatusResponseSchema.parse(await status.json()).timeline[0]?.event).toBe("accepted");
    }
  });
});
