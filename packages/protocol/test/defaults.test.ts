import { describe, expect, it } from "vitest";
import { computeBackoffMs, DEFAULTS } from "../src/index";

const noJitter = { baseMs: 1_000, maxMs: 60_000, jitterRatio: 0 };

describe("DEFAULTS", () => {
  it("carry the PROTOCOL.md §10 figures", () => {
    expect(DEFAULTS.relayQueueCapacity).toBe(5_000);
    expect(DEFAULTS.relayMessageTtlMs).toBe(6 * 3_600_000);
    expect(DEFAULTS.relayRetryMaxMs).toBe(60_000);
    expect(DEFAULTS.retryJitterRatio).toBe(0.2);
    expect(DEFAULTS.outboxRetryMaxMs).toBe(300_000);
    expect(DEFAULTS.webhookTimeoutMs).toBe(10_000);
    expect(DEFAULTS.webhookMaxAttempts).toBe(10);
    expect(DEFAULTS.heartbeatIntervalMs).toBe(30_000);
    expect(DEFAULTS.deadSocketAfterMs).toBe(60_000);
    expect(DEFAULTS.circuitFailureThreshold).toBe(5);
    expect(DEFAULTS.deadLetterRetentionMs).toBe(7 * 86_400_000);
    expect(DEFAULTS.senderRateLimitPerMinute).toBe(60);
    expect(DEFAULTS.pairingTicketTtlSeconds).toBe(300);
  });
});

describe("computeBackoffMs", () => {
  it("starts at base and doubles per attempt", () => {
    expect([1, 2, 3, 4, 5, 6].map((attempt) => computeBackoffMs(attempt, noJitter))).toEqual([
      1_000, 2_000, 4_000, 8_000, 16_000, 32_000,
    ]);
  });

  it("stops at the cap, even for huge attempt numbers", () => {
    expect(computeBackoffMs(7, noJitter)).toBe(60_000);
    expect(computeBackoffMs(50, noJitter)).toBe(60_000);
    expect(computeBackoffMs(10_000, noJitter)).toBe(60_000);
  });

  it("treats attempt 0 and below like the first attempt", () => {
    expect(computeBackoffMs(0, noJitter)).toBe(1_000);
    expect(computeBackoffMs(-3, noJitter)).toBe(1_000);
  });

  it("applies symmetric jitter of ±ratio around the raw delay", () => {
    const options = { baseMs: 1_000, maxMs: 60_000, jitterRatio: 0.2 };
    expect(computeBackoffMs(3, { ...options, random: () => 0 })).toBe(3_200);
    expect(computeBackoffMs(3, { ...options, random: () => 0.5 })).toBe(4_000);
    expect(computeBackoffMs(3, { ...options, random: () => 0.999_999 })).toBe(4_800);
    expect(computeBackoffMs(20, { ...options, random: () => 0 })).toBe(48_000);
  });

  it("stays within the jitter bounds with a real random source", () => {
    for (let attempt = 1; attempt <= 12; attempt++) {
      const raw = Math.min(60_000, 1_000 * 2 ** (attempt - 1));
      for (let sample = 0; sample < 50; sample++) {
        const delay = computeBackoffMs(attempt, { baseMs: 1_000, maxMs: 60_000 });
        expect(delay).toBeGreaterThanOrEqual(Math.floor(raw * 0.8));
        expect(delay).toBeLessThanOrEqual(Math.ceil(raw * 1.2));
      }
    }
  });

  it("never returns a negative delay", () => {
    expect(computeBackoffMs(1, { baseMs: 100, maxMs: 1_000, jitterRatio: 2, random: () => 0 })).toBe(0);
  });
});
