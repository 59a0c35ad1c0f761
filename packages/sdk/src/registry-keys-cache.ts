import type { RegistryKeysDocument } from "@clawdentity/protocol";
import { ClawAuthError } from "./auth-error";
import type { SigningKeyResolver } from "./jws";

export interface RegistryKeysCacheOptions {
  fetchKeys: () => Promise<RegistryKeysDocument>;
  /** How long a fetched key list is used before it is fetched again. */
  ttlMs?: number;
  /** An unknown kid triggers at most one refetch per this interval, so forged kids cannot flood the registry. */
  minRefetchIntervalMs?: number;
  now?: () => number;
}

/** Trusts only `active` keys; refetches once when a token names a kid it has not seen. */
export function createRegistryKeysCache(options: RegistryKeysCacheOptions): SigningKeyResolver & {
  refresh(): Promise<void>;
} {
  const { fetchKeys, ttlMs = 5 * 60_000, minRefetchIntervalMs = 10_000, now = Date.now } = options;
  let keys = new Map<string, string>();
  let fetchedAt = Number.NEGATIVE_INFINITY;
  let inFlight: Promise<void> | null = null;

  const refresh = (): Promise<void> => {
    inFlight ??= (async () => {
      try {
        const document = await fetchKeys();
        keys = new Map(document.keys.filter((key) => key.status === "active").map((key) => [key.kid, key.x]));
        fetchedAt = now();
      } finally {
        inFlight = null;
      }
    })();
    return inFlight;
  };

  const load = async (force: boolean): Promise<void> => {
    try {
      await refresh();
    } catch (error) {
      if (!force && keys.size > 0) return;
      throw new ClawAuthError("KEYS_UNAVAILABLE", `registry keys unavailable: ${(error as Error).message}`);
    }
  };

  return {
    refresh,
    async resolveKey(kid) {
      if (now() - fetchedAt > ttlMs) await load(false);
      const known = keys.get(kid);
      if (known) return known;
      if (now() - fetchedAt >= minRefetchIntervalMs) {
        await load(true);
        const refetched = keys.get(kid);
        if (refetched) return refetched;
      }
      throw new ClawAuthError("UNKNOWN_KID", `no active registry key with kid ${JSON.stringify(kid)}`);
    },
  };
}
