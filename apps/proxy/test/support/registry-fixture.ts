/**
 * The test registry's identity, shared by the Node-side registry stub (vitest.config.ts) and the
 * tests in workerd, which sign AITs with the same key. Test-only values, never used elsewhere.
 */
export const TEST_REGISTRY_URL = "http://127.0.0.1:8788";
export const TEST_REGISTRY_AUTHORITY = "127.0.0.1";
export const TEST_REGISTRY_KID = "test-registry-key-1";
/** A retired key: published with status `revoked`, so AITs signed with it are refused. */
export const TEST_RETIRED_KID = "test-registry-key-0";
export const TEST_REGISTRY_SEED = "AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA";
export const TEST_RETIRED_SEED = "ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8";
export const TEST_PAIRING_SECRET = "test-pairing-secret-with-at-least-32-characters";
export const TEST_METRICS_TOKEN = "test-metrics-token-for-operators";
/** The proxy under test's own key (PROXY_SIGNING_KEY) and origin (wrangler's local PROXY_ORIGIN). */
export const TEST_PROXY_SEED = "QEFCQ0RFRkdISUpLTE1OT1BRUlNUVVZXWFlaW1xdXl8";
export const TEST_PROXY_ORIGIN = "http://127.0.0.1:8787";
/** Paths the stub answers besides the real registry's, for tests to steer it. */
export const TEST_REGISTRY_CONTROL = {
  revoke: "/__test/revocations",
  stats: "/__test/stats",
  /** PUT `{kid, origin, publicKey, status}`: a proxy key as `GET /v1/proxies/:kid` answers it. */
  proxies: "/__test/proxies",
  /** PUT `{agentDid, homeProxy}`: what `GET /v1/resolve/:id` answers as the agent's home. */
  homes: "/__test/homes",
  /** GET: the home attestations proxies posted, oldest first. */
  attestations: "/__test/attestations",
  /** POST an event envelope: appended to the signed feed `GET /v1/events` pages (two a page). */
  events: "/__test/events",
} as const;
