import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { createUlid } from "@clawdentity/sdk";
import { describe, expect, it } from "vitest";
import { createNonceStore, SESSION_MIGRATIONS } from "../src/session/stores";
import { createSchemaMigrator, createSqlRunner } from "../src/storage";

describe("the nonce store", () => {
  it("refuses a nonce inside its window and deletes expired ones at most a second late", async () => {
    const stub = env.RELAY_SESSIONS.get(env.RELAY_SESSIONS.idFromName(`nonces-${createUlid()}`));
    const seen = await runInDurableObject(stub, (_instance, state) => {
      const db = createSqlRunner(state.storage.sql);
      return state.storage.transactionSync(() => {
        createSchemaMigrator(db, SESSION_MIGRATIONS).ensure(0);
        const nonces = createNonceStore(db);
        const counts: number[] = [];
        const fresh = [nonces.checkAndRecord("a", 1_000), nonces.checkAndRecord("a", 1_000)];
        nonces.checkAndRecord("b", 1_500);
        nonces.prune(1_000);
        counts.push(nonces.count()); // "a" expired and deleted
        nonces.prune(1_600);
        counts.push(nonces.count()); // "b" expired, but the last delete was under a second ago
        nonces.prune(2_000);
        counts.push(nonces.count());
        return { fresh, counts };
      });
    });
    expect(seen.fresh).toEqual([true, false]);
    expect(seen.counts).toEqual([1, 1, 0]);
  });
});
