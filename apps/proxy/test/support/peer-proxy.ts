import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { type Ed25519KeyPair, encodeBase64url, importEd25519Seed, toProxyKid } from "@clawdentity/sdk";
import { vi } from "vitest";
import { createProxyApp } from "../../src/app";
import { parseProxyConfig } from "../../src/config";
import { TEST_PROXY_ORIGIN, TEST_PROXY_SEED, TEST_REGISTRY_CONTROL } from "./registry-fixture";
import type { RemoteProxy } from "./remote-proxy";
import type { TestAgent } from "./test-agents";
import type { SignedRequestOptions, TestProxy } from "./test-proxy";

/** A proxy key as the registry stub lists it (`GET /v1/proxies/:kid`). */
async function registerProxyKey(origin: string, keyPair: Ed25519KeyPair, status: "active" | "revoked" = "active") {
  const kid = await toProxyKid(keyPair.publicKey);
  await env.REGISTRY?.fetch(`https://registry.test${TEST_REGISTRY_CONTROL.proxies}`, {
    method: "PUT",
    body: JSON.stringify({ kid, origin, publicKey: keyPair.publicKey, status }),
  });
  return kid;
}

/** The proxy under test as other proxies know it: its own key, registered for its origin. */
export async function registerProxyUnderTest(status: "active" | "revoked" = "active"): Promise<RemoteProxy> {
  const keyPair = await importEd25519Seed(TEST_PROXY_SEED);
  return { origin: TEST_PROXY_ORIGIN, kid: await registerProxyKey(TEST_PROXY_ORIGIN, keyPair, status), keyPair };
}

/**
 * A second proxy deployment beside the one under test: its own origin, signing key and pairing
 * secret, registered at the registry stub, over the same Workers env (its agents' sessions are
 * their own Durable Objects). `globalThis.fetch` to either origin reaches the matching app, so a
 * request one proxy signs for the other is checked by the real routes at both ends.
 */
export async function createPeerProxy(proxy: TestProxy, origin: string) {
  const seed = encodeBase64url(crypto.getRandomValues(new Uint8Array(32)));
  const keyPair = await importEd25519Seed(seed);
  const kid = await registerProxyKey(origin, keyPair);
  const config = parseProxyConfig({
    ...env,
    PROXY_ORIGIN: origin,
    PROXY_SIGNING_KEY: seed,
    PAIRING_TICKET_SECRET: `pairing-secret-of-${origin}-with-enough-characters`,
  });
  const app = createProxyApp({ config, clock: proxy.clock });
  const fetchPeer = async (request: Request) => {
    const ctx = createExecutionContext();
    const response = await app.fetch(request, env, ctx);
    await waitOnExecutionContext(ctx);
    return response;
  };
  const state = { reachable: true };
  const spy = vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
    const request = new Request(input, init);
    if (request.url.startsWith(`${origin}/`)) {
      if (!state.reachable) throw new TypeError("connection refused");
      return fetchPeer(request);
    }
    if (request.url.startsWith(`${TEST_PROXY_ORIGIN}/`)) return proxy.fetch(request);
    throw new Error(`unexpected fetch ${request.url}`);
  });
  /** Revokes this proxy's key at the registry (proxies notice within their key cache's TTL). */
  const revoke = () => registerProxyKey(origin, keyPair, "revoked");
  return {
    origin,
    kid,
    revoke,
    /** This proxy as a signer of federation requests to the proxy under test. */
    remote: { origin, kid, keyPair } satisfies RemoteProxy,
    app,
    spy,
    fetch: fetchPeer,
    /** While false, requests to this proxy fail as a refused connection would. */
    setReachable(reachable: boolean) {
      state.reachable = reachable;
    },
    /** A request signed by `agent` (as the proxy under test's `send`), sent to this proxy. */
    send: async (agent: TestAgent, path: string, options: SignedRequestOptions = {}) =>
      fetchPeer(await proxy.signed(agent, path, options)),
  };
}
export type PeerProxy = Awaited<ReturnType<typeof createPeerProxy>>;
