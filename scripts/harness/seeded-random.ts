/** A small deterministic PRNG (mulberry32): a fault scenario printed with its seed can be replayed. */
export interface SeededRandom {
  seed: number;
  /** In [0, 1). */
  next(): number;
  /** An integer in [min, max]. */
  int(min: number, max: number): number;
  pick<T>(items: readonly T[]): T;
}

export function createSeededRandom(seed: number): SeededRandom {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  const int = (min: number, max: number) => min + Math.floor(next() * (max - min + 1));
  return {
    seed: seed >>> 0,
    next,
    int,
    pick: <T>(items: readonly T[]) => {
      if (items.length === 0) throw new Error("nothing to pick from");
      return items[int(0, items.length - 1)] as T;
    },
  };
}

/** `CLAWDENTITY_FAULT_SEED` replays a printed run; otherwise a fresh seed. */
export function resolveFaultSeed(env: Record<string, string | undefined>): number {
  const given = env.CLAWDENTITY_FAULT_SEED;
  if (given === undefined || given === "") return Math.floor(Math.random() * 4_294_967_296);
  const seed = Number(given);
  if (!Number.isInteger(seed) || seed < 0 || seed >= 4_294_967_296) {
    throw new Error(`CLAWDENTITY_FAULT_SEED must be an integer in [0, 2^32), got ${JSON.stringify(given)}`);
  }
  return seed;
}
