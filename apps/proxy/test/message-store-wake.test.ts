import { createUlid } from "@clawdentity/sdk";
import { describe, expect, it } from "vitest";
import { createMessageStore } from "../src/session/stores";
import { inFreshSession } from "./support/session-storage";

describe("the message store's held wake times", () => {
  it("moves the next expiry as messages are queued, as a fresh read finds it", async () => {
    const seen = await inFreshSession("wake", (db) => {
      const messages = createMessageStore(db);
      const queue = (expiresAtMs: number) =>
        messages.insert({
          senderDid: "did:cdi:test:agent:alice",
          messageId: createUlid(),
          correlationId: "c",
          priority: "normal",
          conversationId: null,
          replyTo: null,
          traceparent: null,
          acceptedAtMs: 0,
          queuedAtMs: 0,
          expiresAtMs,
          payload: "{}",
        });
      const held: Array<number | null> = [messages.nextExpiryAtMs()];
      for (const expiresAtMs of [5_000, 3_000, 9_000]) {
        queue(expiresAtMs);
        held.push(messages.nextExpiryAtMs());
      }
      const due = messages.nextDueAtMs();
      messages.forget();
      return { held, due, read: messages.nextExpiryAtMs(), dueRead: messages.nextDueAtMs() };
    });
    expect(seen.held).toEqual([null, 5_000, 3_000, 3_000]);
    expect(seen.read).toBe(3_000);
    expect(seen.due).toBeNull();
    expect(seen.dueRead).toBeNull();
  });
});
