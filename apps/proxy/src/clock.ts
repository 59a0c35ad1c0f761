/** The one source of time of the proxy; tests inject a manual clock to drive expiry and backoff. */
export interface Clock {
  nowMs(): number;
}

export const systemClock: Clock = { nowMs: () => Date.now() };

export function toNowSeconds(clock: Clock): number {
  return Math.floor(clock.nowMs() / 1000);
}

export function toIsoTimestamp(ms: number): string {
  return new Date(ms).toISOString();
}
