import { describe, expect, it } from "vitest";
import { QUEUE_BATCH_LIMITS, toQueueBatches } from "./send-in-batches";

describe("toQueueBatches", () => {
  it("keeps each batch within 100 messages, in order", () => {
    const bodies = Array.from({ length: 250 }, (_, index) => ({ index }));
    const batches = toQueueBatches(bodies);
    expect(batches.map((batch) => batch.length)).toEqual([100, 100, 50]);
    expect(batches.flat()).toEqual(bodies);
  });

  it("keeps each batch within 256 KB", () => {
    const big = { text: "x".repeat(100_000) };
    const batches = toQueueBatches([big, big, big, { small: true }]);
    expect(batches.map((batch) => batch.length)).toEqual([2, 2]);
    for (const batch of batches) {
      expect(JSON.stringify(batch).length).toBeLessThan(QUEUE_BATCH_LIMITS.maxBytes);
    }
    expect(toQueueBatches([])).toEqual([]);
  });
});
