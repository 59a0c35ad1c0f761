import { describe, expect, it } from "vitest";
import {
  createHistogramState,
  estimateQuantile,
  LATENCY_BUCKETS_SECONDS,
  mergeHistogram,
  observe,
  toBucketIndex,
  toHistogramLines,
  toLatencyPercentiles,
} from "../src";

const histogramOf = (...values: number[]) => {
  const state = createHistogramState();
  for (const value of values) observe(state, value);
  return state;
};

describe("latency histogram", () => {
  it("spans 1 ms to 6 h and puts a value on a boundary in that boundary's bucket", () => {
    expect(LATENCY_BUCKETS_SECONDS[0]).toBe(0.001);
    expect(LATENCY_BUCKETS_SECONDS.at(-1)).toBe(21_600);
    expect(toBucketIndex(0)).toBe(0);
    expect(toBucketIndex(0.001)).toBe(0);
    expect(toBucketIndex(0.0011)).toBe(1);
    expect(toBucketIndex(1)).toBe(LATENCY_BUCKETS_SECONDS.indexOf(1));
    expect(toBucketIndex(21_600.5)).toBe(LATENCY_BUCKETS_SECONDS.length);
  });

  it("counts a negative or non-finite observation as 0 so the series stays valid", () => {
    const state = histogramOf(-3, Number.NaN);
    expect(state.buckets[0]).toBe(2);
    expect(state.sum).toBe(0);
  });

  it("renders cumulative buckets ending in +Inf, then sum and count", () => {
    const lines = toHistogramLines("x_seconds", { priority: "normal" }, histogramOf(0.002, 0.2, 50_000));
    expect(lines).toContain('x_seconds_bucket{priority="normal",le="0.001"} 0');
    expect(lines).toContain('x_seconds_bucket{priority="normal",le="0.0025"} 1');
    expect(lines).toContain('x_seconds_bucket{priority="normal",le="0.25"} 2');
    expect(lines).toContain('x_seconds_bucket{priority="normal",le="21600"} 2');
    expect(lines).toContain('x_seconds_bucket{priority="normal",le="+Inf"} 3');
    expect(lines).toContain('x_seconds_sum{priority="normal"} 50000.202');
    expect(lines.at(-1)).toBe('x_seconds_count{priority="normal"} 3');
  });

  it("merges bucket by bucket, so merged quantiles equal those of all observations together", () => {
    const a = histogramOf(0.003, 0.04, 0.7);
    const b = histogramOf(2, 0.04, 12);
    mergeHistogram(a, b);
    expect(a).toEqual(histogramOf(0.003, 0.04, 0.7, 2, 0.04, 12));
  });

  it("estimates quantiles like histogram_quantile: interpolation inside the bucket holding the rank", () => {
    // Four observations in (0.1, 0.25]: the median's rank 2 of 4 is half way through that bucket.
    expect(estimateQuantile(histogramOf(0.2, 0.2, 0.2, 0.2), 0.5)).toBeCloseTo(0.175, 10);
    // Rank 1 of 2 ends the first bucket that holds anything: its upper bound.
    expect(estimateQuantile(histogramOf(0.0005, 3), 0.5)).toBeCloseTo(0.001, 10);
    // The first bucket interpolates from 0.
    expect(estimateQuantile(histogramOf(0.0005, 0.0005), 0.5)).toBeCloseTo(0.0005, 10);
    // A rank in +Inf answers the last finite bound.
    expect(estimateQuantile(histogramOf(99_999), 0.99)).toBe(21_600);
    expect(estimateQuantile(createHistogramState(), 0.5)).toBeNull();
  });

  it("reports p50 and p99 within the bounds of the buckets holding them", () => {
    const values = [...Array.from({ length: 98 }, () => 0.03), 7, 7];
    const { p50Seconds: p50, p99Seconds: p99, count } = toLatencyPercentiles(histogramOf(...values));
    expect(count).toBe(100);
    expect(p50).toBeGreaterThan(0.025);
    expect(p50).toBeLessThanOrEqual(0.05);
    expect(p99).toBeGreaterThan(5);
    expect(p99).toBeLessThanOrEqual(10);
  });
});
