import {
  CLAW_HEADERS,
  type CrlClaims,
  crlResponseSchema,
  REGISTRY_KEYS_PATH,
  type RegistryKeysDocument,
  registryKeysDocumentSchema,
} from "@clawdentity/protocol";
import {
  type CrlCache,
  createCrlCache,
  createRegistryKeysCache,
  type SigningKeyResolver,
  verifyCrl,
} from "@clawdentity/sdk";
import { type Clock, toNowSeconds } from "../clock";
import type { ProxyConfig } from "../config";
import { METRICS, type MetricsBuffer, toHistogramDeltas } from "../metrics";

export const REGISTRY_CRL_PATH = "/v1/crl";

export type RegistryFetch = (path: string) => Promise<Response>;

/** The registry's signing keys and revocation list, cached per isolate; never fetched per request. */
export interface RegistryClient {
  keys: SigningKeyResolver;
  crl: CrlCache;
  /** Fetches and verifies the signed list now, bypassing the cache (the revocation sweep). */
  fetchCrl(): Promise<CrlClaims>;
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
  return (path) => {
    const url = new URL(path, config.registryUrl).toString();
    return registry ? registry.fetch(url, { headers }) : fetch(url, { headers });
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
  return { keys, crl, fetchCrl };
}
