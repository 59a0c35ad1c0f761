import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { createUlid } from "@clawdentity/sdk";
import { describe, expect, it } from "vitest";
import { createReceiptStore, SESSION_MIGRATIONS } from "../src/session/stores";
import { createSchemaMigrator, createSqlRunner } from "../src/storage";

const DAY_MS = 86_400_000;

describe("the receipt push position held per connection", () => {
  it("skips what this connection was pushed, not what another was, and a pruned seq reused is pushed again", async () => {
    const stub = env.RELAY_SESSIONS.get(env.RELAY_SESSIONS.idFromName(`push-${createUlid()}`));
    const result = await runInDurableObject(stub, (_instance, state) => {
      const db = createSqlRunner(state.storage.sql);
      return state.storage.transactionSync(() => {
        createSchemaMigrator(db, SESSION_MIGRATIONS).ensure(0);
        const receipts = createReceiptStore(db);
        const insert = (messageId: string, atMs: number) =>
          receipts.insert({
            receiptId: createUlid(),
            messageId,
            recipientDid: "did:x",
            correlationId: "c",
            status: "delivered_to_webhook",
            reason: null,
            atMs,
            receivedAtMs: atMs,
          });
        const push = (connectionId: string) => {
          const batch = receipts.toPush(connectionId, 10);
          for (const receipt of batch) receipts.markPushed(receipt.seq, connectionId);
          return batch.map((receipt) => [receipt.messageId, receipt.seq]);
        };
        insert("first", 1 * DAY_MS);
        const first = push("one");
        insert("second", 1 * DAY_MS);
        const second = push("one");
        const nothingLeft = push("one");
        const onAnother = push("two");
        // Retention drops both, unacknowledged; the next receipt takes the freed seq 1.
        const pruned = receipts.prune(2 * DAY_MS, 10);
        insert("after-prune", 3 * DAY_MS);
        return { first, second, nothingLeft, onAnother, pruned, afterPrune: push("two") };
      });
    });
    expect(result.first).toEqual([["first", 1]]);
    expect(result.second).toEqual([["second", 2]]);
    expect(result.nothingLeft).toEqual([]);
    expect(result.onAnother).toEqual([
      ["first", 1],
      ["second", 2],
    ]);
    expect(result.pruned).toBe(2);
    expect(result.afterPrune).toEqual([["after-prune", 1]]);
  });
});
