import { describe, expect, it } from "vitest";
import { toPercentiles } from "./percentiles";

describe("toPercentiles", () => {
  it("uses the nearest rank", () => {
    const samples = Array.from({ length: 100 }, (_, index) => 100 - index);
    expect(toPercentiles(samples, [50, 90, 99] as const)).toEqual({ p50: 50, p90: 90, p99: 99 });
  });

  it("answers null for no samples and the value for one", () => {
    expect(toPercentiles([], [50] as const)).toEqual({ p50: null });
    expect(toPercentiles([7], [50, 99] as const)).toEqual({ p50: 7, p99: 7 });
  });
});
