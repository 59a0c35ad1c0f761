import { describe, expect, it } from "vitest";
import { computeRetryDelayMs } from "./retry-delay";

const policy = { baseMs: 1_000, maxMs: 300_000, jitterRatio: 0.2, random: () => 0.5 };

describe("computeRetryDelayMs", () => {
  it("doubles from 1 s and caps at 5 min", () => {
    const delays = [1, 2, 3, 4, 9, 12].map((attempt) => computeRetryDelayMs({ attempt, priority: "normal", policy }));
    expect(delays).toEqual([1_000, 2_000, 4_000, 8_000, 256_000, 300_000]);
  });

  it("jitters within ±20 %", () => {
    const low = computeRetryDelayMs({ attempt: 3, priority: "low", policy: { ...policy, random: () => 0 } });
    const high = computeRetryDelayMs({ attempt: 3, priority: "low", policy: { ...policy, random: () => 1 } });
    expect([low, high]).toEqual([3_200, 4_800]);
  });

  it("skips the growth for critical but never undercuts Retry-After", () => {
    expect(computeRetryDelayMs({ attempt: 8, priority: "critical", policy })).toBe(1_000);
    expect(computeRetryDelayMs({ attempt: 8, priority: "critical", policy, retryAfterMs: 9_000 })).toBe(9_000);
  });
});
