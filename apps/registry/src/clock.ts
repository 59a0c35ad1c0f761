/** The registry's only source of time, injected so tests can move it. */
export interface Clock {
  nowMs(): number;
}

export function createSystemClock(): Clock {
  return { nowMs: () => Date.now() };
}

export function toUnixSeconds(ms: number): number {
  return Math.floor(ms / 1000);
}

export function toIsoTimestamp(ms: number): string {
  return new Date(ms).toISOString();
}

export function toNullableIsoTimestamp(ms: number | null): string | null {
  return ms === null ? null : toIsoTimestamp(ms);
}

export const DAY_MS = 86_400_000;
