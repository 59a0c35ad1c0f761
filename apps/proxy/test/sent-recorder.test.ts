import { describe, expect, it } from "vitest";
import { recordSentSoon } from "../src/routes/sent-recorder";
import type { SentMessageInput } from "../src/session";

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
});
