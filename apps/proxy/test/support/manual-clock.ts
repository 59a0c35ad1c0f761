import type { Clock } from "@clawdentity/sdk";

/** Far ahead of real time, so alarms the sessions set never fire on their own during a test. */
export const TEST_START_MS = Date.UTC(2031, 0, 1);

export interface ManualClock extends Clock {
  advance(ms: number): void;
}

export function createManualClock(startMs = TEST_START_MS): ManualClock {
  let nowMs = startMs;
  return {
    nowMs: () => nowMs,
    advance(ms) {
      nowMs += ms;
    },
  };
}
