import { env } from "cloudflare:workers";
import { homeAttestationRequestSchema, RELAY_PATHS } from "@clawdentity/protocol";
import { importEd25519Seed, toProxyKid, verifyClawRequest, verifyProxyRequest } from "@clawdentity/sdk";
import { describe, expect, it } from "vitest";
import {
  TEST_PROXY_ORIGIN,
  TEST_PROXY_SEED,
  TEST_REGISTRY_CONTROL,
  TEST_REGISTRY_SEED,
  TEST_REGISTRY_URL,
} from "./support/registry-fixture";
import { createTestAgent } from "./support/test-agents";
import { createTestProxy } from "./support/test-proxy";

async function readAttestations() {
  const response = await env.REGISTRY?.fetch(`https://registry.test${TEST_REGISTRY_CONTROL.attestations}`);
  return (await response?.json()) as { headers: Record<string, string>; body: unknown }[];
}

describe("home attestation (PROTOCOL.md §11.3)", () => {
  it("attests to the registry, signed by this proxy, with the agent's own signed connect", async () => {
    const proxy = createTestProxy();
    const bob = await createTestAgent(proxy.clock);
    const before = (await readAttestations()).length;
    const socket = await proxy.connect(bob);

    const attestations = (await readAttestations()).slice(before);
    expect(attestations).toHaveLength(1);
    const [attestation] = attestations;
    if (!attestation) throw new Error("no attestation");
    const { connect } = homeAttestationRequestSchema.parse(attestation.body);
    expect(connect).toMatchObject({ ait: bob.ait, pathWithQuery: RELAY_PATHS.connect });

    const ownKey = await importEd25519Seed(TEST_PROXY_SEED);
    const kid = await toProxyKid(ownKey.publicKey);
    const body = JSON.stringify(attestation.body);
    const signer = await verifyProxyRequest({
      method: "POST",
      pathWithQuery: "/v1/proxies/home",
      headers: new Headers(attestation.headers),
      body,
      audience: TEST_REGISTRY_URL,
      nowSeconds: Math.floor(proxy.clock.nowMs() / 1000),
      resolveProxy: async (id) =>
        id === kid ? { origin: TEST_PROXY_ORIGIN, publicKey: ownKey.publicKey, status: "active" } : null,
    });
    expect(signer).toMatchObject({ kid, origin: TEST_PROXY_ORIGIN });

    // The evidence is bob's own signature: it verifies as his connect, with his AIT.
    const verified = await verifyClawRequest({
      method: "GET",
      pathWithQuery: connect.pathWithQuery,
      headers: new Headers({
        authorization: `Claw ${connect.ait}`,
        "x-claw-timestamp": connect.timestamp,
        "x-claw-nonce": connect.nonce,
        "x-claw-body-sha256": connect.bodyHash,
        "x-claw-proof": connect.proof,
      }),
      body: null,
      keys: { resolveKey: async () => (await importEd25519Seed(TEST_REGISTRY_SEED)).publicKey },
      nowSeconds: Math.floor(proxy.clock.nowMs() / 1000),
    });
    expect(verified.claims.sub).toBe(bob.did);
    socket.close();
  });
});
