import type { AitClaims } from "@clawdentity/protocol";
import {
  type Clock,
  createUlid,
  type Ed25519KeyPair,
  generateEd25519KeyPair,
  importEd25519Seed,
  signAit,
} from "@clawdentity/sdk";
import { TEST_REGISTRY_AUTHORITY, TEST_REGISTRY_KID, TEST_REGISTRY_SEED, TEST_REGISTRY_URL } from "./registry-fixture";

export interface TestAgent {
  did: string;
  jti: string;
  ait: string;
  keyPair: Ed25519KeyPair;
}

export interface TestAgentOptions {
  /** Registry key that signs the AIT (default: the active test key). */
  kid?: string;
  registrySeed?: string;
  issuer?: string;
  /** AIT validity relative to the clock, in seconds. */
  notBeforeOffsetSeconds?: number;
  lifetimeSeconds?: number;
  /** Reuse an agent's DID and key with a new AIT (a reissue). */
  reissueOf?: TestAgent;
}

const DAY_SECONDS = 86_400;

/** An agent as the registry would register it: a DID, a key pair and an AIT signed by the test registry. */
export async function createTestAgent(clock: Clock, options: TestAgentOptions = {}): Promise<TestAgent> {
  const keyPair = options.reissueOf?.keyPair ?? (await generateEd25519KeyPair());
  const did = options.reissueOf?.did ?? `did:cdi:${TEST_REGISTRY_AUTHORITY}:agent:${createUlid()}`;
  const registryKey = await importEd25519Seed(options.registrySeed ?? TEST_REGISTRY_SEED);
  const iat = Math.floor(clock.nowMs() / 1000) + (options.notBeforeOffsetSeconds ?? 0);
  const jti = createUlid();
  const claims: AitClaims = {
    iss: options.issuer ?? TEST_REGISTRY_URL,
    sub: did,
    ownerDid: `did:cdi:${TEST_REGISTRY_AUTHORITY}:human:${createUlid()}`,
    name: "test agent",
    framework: "vitest",
    cnf: { jwk: { kty: "OKP", crv: "Ed25519", x: keyPair.publicKey } },
    iat,
    nbf: iat,
    exp: iat + (options.lifetimeSeconds ?? 30 * DAY_SECONDS),
    jti,
  };
  const ait = await signAit({ claims, kid: options.kid ?? TEST_REGISTRY_KID, privateKey: registryKey.privateKey });
  return { did, jti, ait, keyPair };
}
