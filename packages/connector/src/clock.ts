/** Time source; tests inject one they can move. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

export { toIsoTimestamp as toIso } from "@clawdentity/sdk";
