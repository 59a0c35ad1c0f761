import type { CrlClaims, RevocationEntry } from "@clawdentity/protocol";
import { ClawAuthError } from "./auth-error";
import { createSingleFlight } from "./single-flight";

export type CrlFailMode = "open" | "closed";

export interface CrlCacheOptions {
  /** Fetches and verifies the signed list. */
  fetchCrl: () => Promise<CrlClaims>;
  refreshIntervalMs?: number;
  /** Past this age without a successful refresh the list is stale: fail open or closed. */
  maxAgeMs?: number;
  failMode?: CrlFailMode;
  now?: () => number;
}

export interface CrlCache {
  isRevoked(jti: string): Promise<boolean>;
  /** The list's entry for `jti` (its reason tells one replaced AIT from a revoked agent), or null. */
  findRevocation(jti: string): Promise<RevocationEntry | null>;
  refresh(): Promise<void>;
}

/** The safety net behind push revocation: a periodically refreshed signed list of revoked AIT ids. */
export function createCrlCache(options: CrlCacheOptions): CrlCache {
  const { fetchCrl, refreshIntervalMs = 60_000, maxAgeMs = 15 * 60_000, failMode = "open", now = Date.now } = options;
  let revoked = new Map<string, RevocationEntry>();
  let loadedAt = Number.NEGATIVE_INFINITY;
  let attemptedAt = Number.NEGATIVE_INFINITY;

  const load = async (): Promise<void> => {
    attemptedAt = now();
    const claims = await fetchCrl();
    revoked = new Map(claims.revocations.map((entry) => [entry.jti, entry]));
    loadedAt = now();
  };

  const flight = createSingleFlight(load);
  const refresh = (): Promise<void> => flight.run();

  const findRevocation = async (jti: string): Promise<RevocationEntry | null> => {
    // A failed refresh is not retried before the next interval, so an outage does not multiply registry calls.
    // Callers arriving during the first load wait for it; later refreshes do not hold them up.
    const firstLoad = flight.isRunning() && loadedAt === Number.NEGATIVE_INFINITY;
    if (firstLoad || now() - Math.max(loadedAt, attemptedAt) > refreshIntervalMs) {
      await refresh().catch(() => undefined);
    }
    if (failMode === "closed" && now() - loadedAt > maxAgeMs) {
      throw new ClawAuthError("CRL_UNAVAILABLE", "revocation list is older than its maximum age");
    }
    return revoked.get(jti) ?? null;
  };

  return {
    refresh,
    findRevocation,
    isRevoked: async (jti) => (await findRevocation(jti)) !== null,
  };
}
