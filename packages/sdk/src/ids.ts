import { decodeTime, monotonicFactory } from "ulid";

/**
 * The ULID library asks for one random byte per character, each a call to the system's CSPRNG;
 * drawing them a pool at a time makes an id (a nonce on every signed request, a request id on
 * every call) cost one call per sixteen ids. The bytes are the same CSPRNG's; 256 is a multiple
 * of the 32 symbols, so each stays equally likely.
 */
const pool = new Uint8Array(256);
let taken = pool.length;
function pooledRandom(): number {
  if (taken === pool.length) {
    crypto.getRandomValues(pool);
    taken = 0;
  }
  return (pool[taken++] as number) / 256;
}

const nextUlid = monotonicFactory(pooledRandom);

/** A new ULID; monotonic within this isolate so ids made in one millisecond still sort. */
export function createUlid(nowMs: number = Date.now()): string {
  return nextUlid(nowMs);
}

export function toUlidTimeMs(id: string): number {
  return decodeTime(id);
}
