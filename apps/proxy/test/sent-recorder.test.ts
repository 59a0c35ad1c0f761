import { env } from "cloudflare:workers";
import {
  billableOpsResponseSchema,
  messageStatusResponseSchema,
  RELAY_BATCH_LIMITS,
  RELAY_PATHS,
} from "@clawdentity/protocol";
import { createUlid } from "@clawdentity/sdk";
import { describe, expect, it, vi } from "vitest";
import { senderSessionCalls } from "../src/relay-sessions";
import { recordSentSoon } from "../src/routes/sent-recorder";
import type { AdmissionInput, AdmissionResult, SentMessageInput } from "../src/session";
import { createPairedAgents } from "./support/test-proxy";

const sent = (messageId: string): SentMessageInput => ({
  messageId,
  recipientDid: "did:cdi:test:agent:bob",
  correlationId: messageId,
  priority: "normal",
  acceptedAtMs: 0,
});

const admission = (nonce: string): AdmissionInput => ({
  agentDid: "did:a",
  jti: "jti-a",
  nonce,
  nonceExpiresAtMs: Date.now() + 300_000,
});

describe("recordSentSoon", () => {
  it("a failed call is logged, not thrown, and the accepts behind it still go", async () => {
    const attempted: string[][] = [];
    const failing = {
      RELAY_SESSIONS: {
        idFromName: (name: string) => name,
        get: () => ({
          senderBatch: async (_admissions: AdmissionInput[], inputs: SentMessageInput[]) => {
            attempted.push(inputs.map((input) => input.messageId));
            throw new Error("session unavailable");
          },
        }),
      },
    } as unknown as Env;
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const background: Array<Promise<unknown>> = [];
    const waitUntil = (work: Promise<unknown>) => void background.push(work);
    try {
      recordSentSoon(failing, "did:a", [sent("m1")], waitUntil);
      await Promise.resolve();
      recordSentSoon(failing, "did:a", [sent("m2")], waitUntil);
      recordSentSoon(failing, "did:a", [sent("m3")], waitUntil);
      await Promise.all(background);
      expect(attempted).toEqual([["m1"], ["m2", "m3"]]);
      expect(warn).toHaveBeenCalledTimes(3);
      expect(warn).toHaveBeenCalledWith("sender timeline not updated", {
        messages: 1,
        error: "Error: session unavailable",
      });
    } finally {
      warn.mockRestore();
    }
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
    // Admissions, stores and timeline records of concurrent requests share calls.
    expect(used).toBeLessThan(2 * ids.length);
    for (const messageId of ids) {
      const status = await proxy.send(alice, `${RELAY_PATHS.messages}/${messageId}`);
      expect(messageStatusResponseSchema.parse(await status.json()).timeline[0]?.event).toBe("accepted");
    }
  });
  it("records that come while an admission is on its way ride in the next call, each admission with its own result", async () => {
    const calls: Array<{ admissions: string[]; sent: string[]; answer(): void }> = [];
    // Each nonce gets a result of its own, so a mix-up between admissions and records shows.
    const resultOf = (nonce: string): AdmissionResult =>
      nonce === "n3" ? { ok: false, reason: "REPLAYED_NONCE" } : { ok: true, granted: Number(nonce.slice(1)) };
    const recording = {
      RELAY_SESSIONS: {
        idFromName: (name: string) => name,
        get: () => ({
          senderBatch: (admissions: AdmissionInput[], inputs: SentMessageInput[]) =>
            new Promise<AdmissionResult[]>((resolve) =>
              calls.push({
                admissions: admissions.map((admission) => admission.nonce),
                sent: inputs.map((input) => input.messageId),
                answer: () => resolve(admissions.map((admission) => resultOf(admission.nonce))),
              }),
            ),
        }),
      },
    } as unknown as Env;
    const background: Array<Promise<unknown>> = [];
    const waitUntil = (work: Promise<unknown>) => void background.push(work);
    const admit = (nonce: string) =>
      senderSessionCalls.submit(recording, "did:a", [{ admission: admission(nonce) }], waitUntil);
    const turns = async () => {
      for (let turn = 0; turn < 10; turn += 1) await Promise.resolve();
    };
    const shape = () => calls.map(({ admissions, sent }) => ({ admissions, sent: sent.length }));

    const first = admit("n1");
    await turns();
    // A batch request's 64 records take none of the admissions' room: all of it goes in the next call.
    const batchRecords = Array.from({ length: RELAY_BATCH_LIMITS.maxMessages }, (_, index) => sent(`b${index}`));
    recordSentSoon(recording, "did:a", batchRecords, waitUntil);
    const second = admit("n2");
    recordSentSoon(recording, "did:a", [sent("m1")], waitUntil);
    const third = admit("n3");
    await turns();
    expect(shape()).toEqual([{ admissions: ["n1"], sent: 0 }]);
    calls[0]?.answer();
    await turns();
    expect(shape()).toEqual([
      { admissions: ["n1"], sent: 0 },
      { admissions: ["n2", "n3"], sent: RELAY_BATCH_LIMITS.maxMessages + 1 },
    ]);
    expect(calls[1]?.sent.at(-1)).toBe("m1");
    calls[1]?.answer();
    expect(await first).toEqual([{ ok: true, granted: 1 }]);
    expect(await second).toEqual([{ ok: true, granted: 2 }]);
    expect(await third).toEqual([{ ok: false, reason: "REPLAYED_NONCE" }]);
    await Promise.all(background);
  });

  it("a timeline write that fails in the session keeps the admissions it came with, their nonces spent", async () => {
    const agentDid = `did:cdi:test:agent:${createUlid()}`;
    const session = env.RELAY_SESSIONS.get(env.RELAY_SESSIONS.idFromName(agentDid));
    const broken = { ...sent("m-bad"), priority: "urgent" } as unknown as SentMessageInput;
    const input = { ...admission("n-kept"), agentDid };
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    try {
      expect(await session.senderBatch([input], [broken])).toEqual([{ ok: true }]);
      expect(warn).toHaveBeenCalledWith("sender timeline not updated", expect.objectContaining({ messages: 1 }));
      expect(await session.senderBatch([input], [])).toEqual([{ ok: false, reason: "REPLAYED_NONCE" }]);
    } finally {
      warn.mockRestore();
    }
    expect(await session.getMessageStatus("m-bad", agentDid)).toBeNull();
  });
});
