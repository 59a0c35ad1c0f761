/** The one source of time a component reads; tests inject a clock they can move. */
export interface Clock {
  nowMs(): number;
}

export const systemClock: Clock = { nowMs: () => Date.now() };

export const DAY_MS = 86_400_000;

export function toUnixSeconds(ms: number): number {
  return Math.floor(ms / 1000);
}

/** The clock's reading in whole seconds, the unit of JWT and signed-request timestamps. */
export function toNowSeconds(clock: Clock): number {
  return toUnixSeconds(clock.nowMs());
}

export function toIsoTimestamp(ms: number): string {
  return new Date(ms).toISOString();
}
