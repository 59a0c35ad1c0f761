import { billableOpsResponseSchema, messageStatusResponseSchema, RELAY_PATHS } from "@clawdentity/protocol";
import { createUlid } from "@clawdentity/sdk";
import { describe, expect, it, vi } from "vitest";
import { recordSentSoon } from "../src/routes/sent-recorder";
import type { SentMessageInput } from "../src/session";
import { createPairedAgents } from "./support/test-proxy";

const sent = (messageId: string): SentMessageInput => ({
  messageId,
  recipientDid: "did:cdi:test:agent:bob",
  correlationId: messageId,
  priority: "normal",
  acceptedAtMs: 0,
});

describe("recordSentSoon", () => {
  it("a failed call is logged, not thrown, and the accepts behind it still go", async () => {
    const attempted: string[][] = [];
    const failing = {
      RELAY_SESSIONS: {
        idFromName: (name: string) => name,
        get: () => ({
          recordSent: async (inputs: SentMessageInput[]) => {
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
});
