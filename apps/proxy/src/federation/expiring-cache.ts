/**
 * A bounded map whose entries live `ttlMs`: lookups of other proxies' keys and of agents' homes are
 * reused for at most that long (the staleness bound PROTOCOL.md §11 states), and the oldest entry
 * goes first once `maxEntries` are held, so a flood of distinct lookups cannot grow it.
 */
export function createExpiringCache<V>(options: { ttlMs: number; maxEntries: number; now: () => number }) {
  const entries = new Map<string, { value: V; expiresAtMs: number }>();
  return {
    async resolve(key: string, load: () => Promise<V>): Promise<V> {
      const hit = entries.get(key);
      if (hit && hit.expiresAtMs > options.now()) return hit.value;
      const value = await load();
      entries.delete(key);
      if (entries.size >= options.maxEntries) {
        const oldest = entries.keys().next().value;
        if (oldest !== undefined) entries.delete(oldest);
      }
      entries.set(key, { value, expiresAtMs: options.now() + options.ttlMs });
      return value;
    },
  };
}
