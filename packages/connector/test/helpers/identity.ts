import { formatDid } from "@clawdentity/protocol";
import { createUlid, generateEd25519KeyPair, type SigningKeyResolver, signAit } from "@clawdentity/sdk";
import type { AgentIdentity } from "../../src";

export const REGISTRY_URL = "http://127.0.0.1:8787";
const REGISTRY_KID = "test-registry-key-1";

export interface TestIdentities {
  agent: AgentIdentity;
  /** A second agent, as a peer that sends to or receives from `agent`. */
  peer: AgentIdentity;
  keys: SigningKeyResolver;
}

async function createAgentIdentity(registry: { privateKey: CryptoKey }, name: string): Promise<AgentIdentity> {
  const pair = await generateEd25519KeyPair();
  const agentDid = formatDid({ authority: "127.0.0.1", entity: "agent", id: createUlid() });
  const nowSeconds = Math.floor(Date.now() / 1000);
  const ait = await signAit({
    kid: REGISTRY_KID,
    privateKey: registry.privateKey,
    claims: {
      iss: REGISTRY_URL,
      sub: agentDid,
      ownerDid: formatDid({ authority: "127.0.0.1", entity: "human", id: createUlid() }),
      name,
      framework: "test",
      cnf: { jwk: { kty: "OKP", crv: "Ed25519", x: pair.publicKey } },
      iat: nowSeconds - 60,
      nbf: nowSeconds - 60,
      exp: nowSeconds + 30 * 86_400,
      jti: createUlid(),
    },
  });
  return { agentDid, ait, seed: pair.seed };
}

/** A registry key and two agents with AITs it signed, as the real registry would issue them. */
export async function createTestIdentities(): Promise<TestIdentities> {
  const registry = await generateEd25519KeyPair();
  const keys: SigningKeyResolver = {
    async resolveKey(kid) {
      if (kid !== REGISTRY_KID) throw new Error(`unknown kid ${kid}`);
      return registry.publicKey;
    },
  };
  return {
    agent: await createAgentIdentity(registry, "alice"),
    peer: await createAgentIdentity(registry, "bob"),
    keys,
  };
}
