import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { createUlid } from "@clawdentity/sdk";
import { describe, expect, it } from "vitest";
import { createOutboundStore, createReceiptStore, SESSION_MIGRATIONS } from "../src/session/stores";
import { createSchemaMigrator, createSqlRunner } from "../src/storage";

const DAY_MS = 86_400_000;

describe("retention of settled receipt events and stored receipts (key order, no time index)", () => {
  it("prunes what aged out, keeps what is owed or newer, and names the next row to age out", async () => {
    const stub = env.RELAY_SESSIONS.get(env.RELAY_SESSIONS.idFromName(`prune-${createUlid()}`));
    const result = await runInDurableObject(stub, (_instance, state) => {
      const db = createSqlRunner(state.storage.sql);
      return state.storage.transactionSync(() => {
        createSchemaMigrator(db, SESSION_MIGRATIONS).ensure(0);
        const outbound = createOutboundStore(db);
        const receipts = createReceiptStore(db);
        const ids = ["owed", "old", "new"].map(() => createUlid());
        for (const id of ids) {
          outbound.insert({ id, kind: "receipt", targetDid: "did:x", dedupeKey: id, body: "{}", nowMs: 0 });
        }
        // The first row is still owed: it is skipped, and the settled rows behind it are pruned.
        outbound.confirm([ids[1] as string], 1 * DAY_MS);
        outbound.confirm([ids[2] as string], 3 * DAY_MS);
        for (const [i, atMs] of [1 * DAY_MS, 3 * DAY_MS].entries()) {
          receipts.insert({
            receiptId: createUlid(),
            messageId: `m-${i}`,
            recipientDid: "did:x",
            correlationId: "c",
            status: "delivered_to_webhook",
            reason: null,
            atMs,
            receivedAtMs: atMs,
          });
        }
        const before = { outbound: outbound.oldestSentAtMs(), receipts: receipts.oldestAtMs() };
        const pruned = { outbound: outbound.pruneSent(2 * DAY_MS, 200), receipts: receipts.prune(2 * DAY_MS, 200) };
        const after = { outbound: outbound.oldestSentAtMs(), receipts: receipts.oldestAtMs() };
        return { before, pruned, after, owed: outbound.unsentCount() };
      });
    });
    expect(result.before).toEqual({ outbound: 1 * DAY_MS, receipts: 1 * DAY_MS });
    expect(result.pruned).toEqual({ outbound: 1, receipts: 1 });
    expect(result.after).toEqual({ outbound: 3 * DAY_MS, receipts: 3 * DAY_MS });
    expect(result.owed).toBe(1);
  });
});
