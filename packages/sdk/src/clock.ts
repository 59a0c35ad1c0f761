/** The one source of time a component reads; tests inject a clock they can move. */
export interface Clock {
  nowMs(): number;
}

export const systemClock: Clock = { nowMs: () => Date.now() };

export function toUnixSeconds(ms: number): number {
  return Math.floor(ms / 1000);
}

export function toIsoTimestamp(ms: number): string {
  return new Date(ms).toISOString();
}
