import { type RegistryKeysDocument, registryKeysDocumentSchema } from "@clawdentity/protocol";
import { ClawAuthError } from "./auth-error";
import type { SigningKeyResolver } from "./jws";
import { createSingleFlight } from "./single-flight";

export interface RegistryKeysCacheOptions {
  fetchKeys: () => Promise<RegistryKeysDocument>;
  /** How long a fetched key list is used before it is fetched again. */
  ttlMs?: number;
  /**
   * At most one fetch attempt per this interval (successful or not), so forged kids and a registry
   * outage cannot turn every request into a registry call.
   */
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
  let attemptedAt = Number.NEGATIVE_INFINITY;
  let lastError: unknown = null;

  const load = async (): Promise<void> => {
    attemptedAt = now();
    try {
      const document = registryKeysDocumentSchema.parse(await fetchKeys());
      keys = new Map(document.keys.filter((key) => key.status === "active").map((key) => [key.kid, key.x]));
      fetchedAt = now();
      lastError = null;
    } catch (error) {
      lastError = error;
      throw error;
    }
  };

  const flight = createSingleFlight(load);
  const refresh = (): Promise<void> => flight.run();

  return {
    refresh,
    async resolveKey(kid) {
      const missing = !keys.has(kid);
      // A stale list keeps serving while a refresh runs or the registry is down: registry keys rotate rarely.
      if (missing || now() - fetchedAt > ttlMs) {
        const joinable = missing && flight.isRunning();
        if (joinable || now() - attemptedAt >= minRefetchIntervalMs) await refresh().catch(() => undefined);
      }
      const key = keys.get(kid);
      if (key) return key;
      if (lastError !== null) {
        const message = lastError instanceof Error ? lastError.message : String(lastError);
        throw new ClawAuthError("KEYS_UNAVAILABLE", `registry keys unavailable: ${message}`);
      }
      throw new ClawAuthError("UNKNOWN_KID", `no active registry key with kid ${JSON.stringify(kid)}`);
    },
  };
}
