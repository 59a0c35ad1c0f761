import { describe, expect, it } from "vitest";
import { createRateLimitStore } from "../src/session/stores";
import { inFreshSession } from "./support/session-storage";

describe("the rate limit store", () => {
  it("holds a bucket once read, writes every take, and reads again after a rolled-back transaction", async () => {
    const seen = await inFreshSession("rates", (db, state) => {
      const rates = createRateLimitStore(db);
      const stored = () =>
        db.first<{ tokens: number }>("SELECT tokens FROM rate_buckets WHERE scope = 'sender'")?.tokens;
      const taken = [rates.take("sender", 2, 0), rates.take("sender", 2, 0), rates.take("sender", 2, 0)];
      const afterTakes = stored();
      // A take inside a transaction that rolls back: storage keeps the earlier bucket, memory is dropped.
      try {
        state.storage.transactionSync(() => {
          rates.put("sender", { tokens: 2, updatedAtMs: 0 });
          throw new Error("rolled back");
        });
      } catch {
        rates.forget();
      }
      const afterRollback = rates.take("sender", 2, 0);
      return { taken, afterTakes, afterRollback };
    });
    expect(seen.taken.map((take) => take.allowed)).toEqual([true, true, false]);
    expect(seen.afterTakes).toBe(0);
    expect(seen.afterRollback.allowed).toBe(false);
  });
});
