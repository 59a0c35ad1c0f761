import { describe, expect, it } from "vitest";
import { createNonceStore } from "../src/session/stores";
import { inFreshSession } from "./support/session-storage";

describe("the nonce store", () => {
  it("refuses a nonce inside its window and deletes expired ones at most a second late", async () => {
    const seen = await inFreshSession("nonces", (db, state) => {
      return state.storage.transactionSync(() => {
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
