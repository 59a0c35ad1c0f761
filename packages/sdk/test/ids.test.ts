import { isUlid } from "@clawdentity/protocol";
import { describe, expect, it } from "vitest";
import { createUlid, toUlidTimeMs } from "../src/index";

describe("createUlid", () => {
  it("makes valid ULIDs carrying the given time", () => {
    const id = createUlid(1_767_225_600_000);
    expect(isUlid(id)).toBe(true);
    expect(toUlidTimeMs(id)).toBe(1_767_225_600_000);
  });

  it("sorts ids made within one millisecond in creation order", () => {
    const ids = Array.from({ length: 100 }, () => createUlid(1_767_225_600_001));
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("draws every random symbol about equally, and no two ids alike", () => {
    const ids = Array.from({ length: 4_000 }, (_, n) => createUlid(1_767_225_700_000 + n * 7));
    expect(new Set(ids).size).toBe(ids.length);
    const counts = new Map<string, number>();
    for (const id of ids) for (const symbol of id.slice(10)) counts.set(symbol, (counts.get(symbol) ?? 0) + 1);
    // 64,000 symbols over the 32 of Crockford's base32: 2,000 each expected.
    expect(counts.size).toBe(32);
    for (const count of counts.values()) expect(Math.abs(count - 2_000)).toBeLessThan(300);
  });
});
