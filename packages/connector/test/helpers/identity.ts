import { formatDid } from "@clawdentity/protocol";
import { createUlid, generateEd25519KeyPair, type SigningKeyResolver, signAit } from "@clawdentity/sdk";
import type { AgentIdentity } from "../../src";

export const REGISTRY_URL = "http://127.0.0.1:8787";
const REGISTRY_KID = "test-registry-key-1";

/** What an AIT of a test identity says, in real seconds; the registry signs it. */
export interface TestAitInput {
  agentDid: string;
  publicKey: string;
  /** Real unix seconds; defaults to a minute ago. */
  iat?: number;
  /** Lifetime in seconds; defaults to 30 days. */
  lifetimeSeconds?: number;
  name?: string;
}

export interface TestIdentities {
  agent: AgentIdentity;
  /** A second agent, as a peer that sends to or receives from `agent`. */
  peer: AgentIdentity;
  keys: SigningKeyResolver;
  /** Signs an AIT with the test registry's key, as the registry would issue it. */
  issueAit(input: TestAitInput): Promise<string>;
  /** A fresh key for `agentDid` with an AIT for it: an identity the test controls the lifetime of. */
  createIdentity(input: Omit<TestAitInput, "publicKey" | "agentDid"> & { agentDid?: string }): Promise<AgentIdentity>;
}

const OWNER_DID = formatDid({ authority: "127.0.0.1", entity: "human", id: createUlid() });

function createAitIssuer(registry: { privateKey: CryptoKey }) {
  return (input: TestAitInput) => {
    const iat = input.iat ?? Math.floor(Date.now() / 1000) - 60;
    return signAit({
      kid: REGISTRY_KID,
      privateKey: registry.privateKey,
      claims: {
        iss: REGISTRY_URL,
        sub: input.agentDid,
        ownerDid: OWNER_DID,
        name: input.name ?? "agent",
        framework: "test",
        cnf: { jwk: { kty: "OKP", crv: "Ed25519", x: input.publicKey } },
        iat,
        nbf: iat,
        exp: iat + (input.lifetimeSeconds ?? 30 * 86_400),
        jti: createUlid(),
      },
    });
  };
}

async function createAgentIdentity(
  issue: ReturnType<typeof createAitIssuer>,
  input: Omit<TestAitInput, "publicKey" | "agentDid"> & { agentDid?: string },
): Promise<AgentIdentity> {
  const pair = await generateEd25519KeyPair();
  const agentDid = input.agentDid ?? formatDid({ authority: "127.0.0.1", entity: "agent", id: createUlid() });
  const ait = await issue({ ...input, agentDid, publicKey: pair.publicKey });
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
  const issueAit = createAitIssuer(registry);
  return {
    agent: await createAgentIdentity(issueAit, { name: "alice" }),
    peer: await createAgentIdentity(issueAit, { name: "bob" }),
    keys,
    issueAit,
    createIdentity: (input) => createAgentIdentity(issueAit, input),
  };
}
