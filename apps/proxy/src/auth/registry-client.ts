import {
  CLAW_HEADERS,
  type CrlClaims,
  crlResponseSchema,
  type HomeProxy,
  proxyResponseSchema,
  REGISTRY_KEYS_PATH,
  REGISTRY_PATHS,
  type RegistryKeysDocument,
  registryKeysDocumentSchema,
  resolveAgentResponseSchema,
} from "@clawdentity/protocol";
import {
  type Clock,
  type CrlCache,
  createCrlCache,
  createRegistryKeysCache,
  createVerifiedAitCache,
  ProxyAuthError,
  type ProxyKeyRecord,
  type ProxyKeyResolver,
  type SigningKeyResolver,
  toNowSeconds,
  type VerifiedAitCache,
  verifyCrl,
} from "@clawdentity/sdk";
import type { ProxyConfig } from "../config";
import { createExpiringCache } from "../federation";
import { METRICS, type MetricsBuffer, toHistogramDeltas } from "../metrics";

export const REGISTRY_CRL_PATH = "/v1/crl";

export type RegistryFetch = (path: string, init?: RequestInit) => Promise<Response>;

/** Lookups kept per isolate at most (oldest first out): proxies and agents this proxy relays with. */
const FEDERATION_CACHE_ENTRIES = 10_000;

/** The registry's signing keys and revocation list, cached per isolate; never fetched per request. */
export interface RegistryClient {
  keys: SigningKeyResolver;
  /** AITs verified against those keys, so a sender's AIT is checked once, not per request. */
  aits: VerifiedAitCache;
  crl: CrlCache;
  /** Fetches and verifies the signed list now, bypassing the cache (the revocation sweep). */
  fetchCrl(): Promise<CrlClaims>;
  /** Another proxy's registered key by kid, reused at most `proxyKeysCacheTtlMs` (PROTOCOL.md §11.1). */
  proxyKeys: ProxyKeyResolver;
  /** The agent's home proxy as the registry resolves it, reused at most `homeCacheTtlMs`; null: none or unknown. */
  resolveHome(agentDid: string): Promise<HomeProxy | null>;
  /** The raw registry transport, for the calls a proxy signs itself (PROTOCOL.md §11.3). */
  fetch: RegistryFetch;
}

/**
 * The service binding when the registry runs beside the proxy, its public URL otherwise; with the
 * shared service token, so the registry does not count these calls against a public client.
 */
export function createRegistryFetch(
  env: Env,
  config: Pick<ProxyConfig, "registryUrl" | "registryServiceToken">,
): RegistryFetch {
  const registry = env.REGISTRY;
  const headers: Record<string, string> = config.registryServiceToken
    ? { [CLAW_HEADERS.serviceToken]: config.registryServiceToken }
    : {};
  return (path, init = {}) => {
    const url = new URL(path, config.registryUrl).toString();
    const request = { ...init, headers: { ...headers, ...(init.headers as Record<string, string> | undefined) } };
    return registry ? registry.fetch(url, request) : fetch(url, request);
  };
}

/** How long one registry call took and whether it answered usably (seconds; `call` is `keys` or `crl`). */
export type RegistryCallRecorder = (call: string, outcome: "success" | "failure", seconds: number) => void;

/** Records each call's duration into the isolate's buffer as `registry_request_duration_seconds`. */
export function toRegistryCallRecorder(metrics: MetricsBuffer): RegistryCallRecorder {
  return (call, outcome, seconds) =>
    metrics.add(toHistogramDeltas(METRICS.registryRequestDuration, { call, outcome }, seconds));
}

async function fetchJson(fetchRegistry: RegistryFetch, path: string): Promise<unknown> {
  const response = await fetchRegistry(path);
  if (!response.ok) throw new Error(`registry answered ${response.status} for ${path}`);
  return response.json();
}

/** `fetchJson`, timed: a failure is an error, a non-2xx answer or a body that is not JSON. */
async function fetchJsonTimed(
  fetchRegistry: RegistryFetch,
  path: string,
  timing: { call: string; clock: Clock; record: RegistryCallRecorder | undefined },
): Promise<unknown> {
  const startMs = timing.clock.nowMs();
  const elapsed = () => (timing.clock.nowMs() - startMs) / 1000;
  try {
    const body = await fetchJson(fetchRegistry, path);
    timing.record?.(timing.call, "success", elapsed());
    return body;
  } catch (error) {
    timing.record?.(timing.call, "failure", elapsed());
    throw error;
  }
}

export function createRegistryClient(options: {
  config: ProxyConfig;
  clock: Clock;
  fetchRegistry: RegistryFetch;
  /** Where each registry call's duration goes (the isolate's metrics buffer). */
  recordCall?: RegistryCallRecorder;
}): RegistryClient {
  const { config, clock, fetchRegistry, recordCall: record } = options;
  const now = () => clock.nowMs();
  const keys = createRegistryKeysCache({
    fetchKeys: async (): Promise<RegistryKeysDocument> =>
      registryKeysDocumentSchema.parse(
        await fetchJsonTimed(fetchRegistry, REGISTRY_KEYS_PATH, { call: "keys", clock, record }),
      ),
    ttlMs: config.registryKeysTtlMs,
    now,
  });
  const fetchCrl = async (): Promise<CrlClaims> => {
    const { crl: token } = crlResponseSchema.parse(
      await fetchJsonTimed(fetchRegistry, REGISTRY_CRL_PATH, { call: "crl", clock, record }),
    );
    return verifyCrl({ token, keys, nowSeconds: toNowSeconds(clock), issuer: config.registryIssuer });
  };
  const crl = createCrlCache({
    fetchCrl,
    refreshIntervalMs: config.crlRefreshIntervalMs,
    maxAgeMs: config.crlMaxAgeMs,
    failMode: config.crlFailMode,
    now,
  });
  const proxyKeyCache = createExpiringCache<ProxyKeyRecord | null>({
    ttlMs: config.federation.proxyKeysCacheTtlMs,
    maxEntries: FEDERATION_CACHE_ENTRIES,
    now,
  });
  const proxyKeys: ProxyKeyResolver = (kid) =>
    proxyKeyCache.resolve(kid, async () => {
      let response: Response;
      try {
        response = await fetchRegistry(`${REGISTRY_PATHS.proxies}/${encodeURIComponent(kid)}`);
      } catch (error) {
        throw new ProxyAuthError("PROXY_KEYS_UNAVAILABLE", `registry unreachable: ${String(error)}`);
      }
      if (response.status === 404 || response.status === 400) return null;
      if (!response.ok) throw new ProxyAuthError("PROXY_KEYS_UNAVAILABLE", `registry answered ${response.status}`);
      const { proxy } = proxyResponseSchema.parse(await response.json());
      return { origin: proxy.origin, publicKey: proxy.publicKey, status: proxy.status };
    });
  const homeCache = createExpiringCache<HomeProxy | null>({
    ttlMs: config.federation.homeCacheTtlMs,
    maxEntries: FEDERATION_CACHE_ENTRIES,
    now,
  });
  const resolveHome = (agentDid: string) =>
    homeCache.resolve(agentDid, async () => {
      const response = await fetchRegistry(`${REGISTRY_PATHS.resolve}/${encodeURIComponent(agentDid)}`);
      if (response.status === 404) return null;
      if (!response.ok) throw new Error(`registry answered ${response.status} resolving ${agentDid}`);
      return resolveAgentResponseSchema.parse(await response.json()).agent.homeProxy;
    });
  return { keys, aits: createVerifiedAitCache(), crl, fetchCrl, proxyKeys, resolveHome, fetch: fetchRegistry };
}
