import { decodeTime, monotonicFactory } from "ulid";

const nextUlid = monotonicFactory();

/** A new ULID; monotonic within this isolate so ids made in one millisecond still sort. */
export function createUlid(nowMs: number = Date.now()): string {
  return nextUlid(nowMs);
}

export function toUlidTimeMs(id: string): number {
  return decodeTime(id);
}
