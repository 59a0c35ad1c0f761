import { type Clock, systemClock, toIsoTimestamp } from "@clawdentity/sdk";

export { type Clock, toIsoTimestamp, toUnixSeconds } from "@clawdentity/sdk";

export function createSystemClock(): Clock {
  return systemClock;
}

export function toNullableIsoTimestamp(ms: number | null): string | null {
  return ms === null ? null : toIsoTimestamp(ms);
}

export const DAY_MS = 86_400_000;
