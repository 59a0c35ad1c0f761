import { describe, expect, it } from "vitest";
import { ZodError } from "zod";
import { olderThanSchema, resolveOlderThan } from "../src/index";

const NOW_MS = Date.parse("2026-01-10T12:00:00.000Z");

describe("resolveOlderThan", () => {
  it.each([
    ["30s", 30_000],
    ["15m", 15 * 60_000],
    ["6h", 6 * 3_600_000],
    ["7d", 7 * 86_400_000],
    ["0s", 0],
  ])("turns the duration %s into now minus %d ms", (value, ms) => {
    expect(resolveOlderThan(value, NOW_MS)).toBe(NOW_MS - ms);
  });

  it("takes an ISO timestamp as the absolute cut-off", () => {
    expect(resolveOlderThan("2026-01-03T00:00:00Z", NOW_MS)).toBe(Date.parse("2026-01-03T00:00:00Z"));
    expect(resolveOlderThan("2026-01-03T02:00:00.500+02:00", NOW_MS)).toBe(Date.parse("2026-01-03T00:00:00.500Z"));
  });

  it.each(["", "7", "7w", "-1d", "1.5h", "d7", "2026-01-03", "2026-01-03T00:00:00", "yesterday"])(
    "rejects %j with a ZodError",
    (value) => {
      expect(() => resolveOlderThan(value, NOW_MS)).toThrow(ZodError);
    },
  );

  it("rejects a timestamp that has the right shape but is not a date", () => {
    expect(olderThanSchema.safeParse("2026-13-45T99:99:99Z").success).toBe(false);
    expect(() => resolveOlderThan("2026-13-45T99:99:99Z", NOW_MS)).toThrow(ZodError);
  });
});
