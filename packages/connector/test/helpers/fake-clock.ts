import type { Clock } from "@clawdentity/sdk";

export interface FakeClock extends Clock {
  advance(ms: number): void;
}

/** A clock that only moves when told, starting at real time so signed timestamps stay plausible. */
export function createFakeClock(start = Date.now()): FakeClock {
  let current = start;
  return {
    nowMs: () => current,
    advance(ms) {
      current += ms;
    },
  };
}
