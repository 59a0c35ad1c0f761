import { describe, expect, it } from "vitest";
import { createRetentionWake } from "../src/session/maintenance/retention";

/** A retention wake over tables whose oldest times the test sets, counting the reads. */
function createTables() {
  const tables = { oldest: [null, null] as Array<number | null>, reads: 0 };
  const wake = createRetentionWake(() => {
    tables.reads += 1;
    return tables.oldest;
  });
  return { tables, wake };
}

describe("the retention wake held in memory", () => {
  it("reads the tables once while a row is kept, and again after an alarm", () => {
    const { tables, wake } = createTables();
    tables.oldest = [5_000, 3_000];
    expect(wake.oldestAtMs(10_000)).toBe(3_000);
    tables.oldest = [5_000, 4_000];
    expect(wake.oldestAtMs(20_000)).toBe(3_000);
    expect(tables.reads).toBe(1);
    wake.forget();
    expect(wake.oldestAtMs(30_000)).toBe(4_000);
    expect(tables.reads).toBe(2);
  });

  it("holds finding nothing for a minute, then finds the first row kept", () => {
    const { tables, wake } = createTables();
    expect(wake.oldestAtMs(0)).toBeNull();
    tables.oldest = [1_000, null];
    expect(wake.oldestAtMs(59_999)).toBeNull();
    expect(tables.reads).toBe(1);
    expect(wake.oldestAtMs(60_000)).toBe(1_000);
    expect(tables.reads).toBe(2);
  });

  it("reads again when the clock went back", () => {
    const { tables, wake } = createTables();
    tables.oldest = [9_000];
    expect(wake.oldestAtMs(10_000)).toBe(9_000);
    tables.oldest = [2_000];
    expect(wake.oldestAtMs(5_000)).toBe(2_000);
  });
});
