import type { AitClaims, AuthFailureReason, RegistryKeysDocument } from "@clawdentity/protocol";
import {
  ClawAuthError,
  createRegistryKeysCache,
  type Ed25519KeyPair,
  generateEd25519KeyPair,
  signAit,
  signRequest,
  type VerifyClawRequestInput,
  verifyClawRequest,
} from "../src/index";

/** Test clock: 2026-01-01T00:00:00Z, the time of the published vectors. */
export const NOW_SECONDS = 1_767_225_600;
export const DAY_SECONDS = 86_400;
export const REGISTRY_URL = "https://registry.example.com";
export const REGISTRY_KID = "reg-2026-01";
export const AGENT_DID = "did:cdi:registry.example.com:agent:01JGQ8Z9ZQ0000000000000000";
export const OWNER_DID = "did:cdi:registry.example.com:human:01JGQ8Z9ZQ0000000000000001";

export function createAitClaims(agentPublicKey: string, overrides: Partial<AitClaims> = {}): AitClaims {
  return {
    iss: REGISTRY_URL,
    sub: AGENT_DID,
    ownerDid: OWNER_DID,
    name: "test-agent",
    framework: "vitest",
    cnf: { jwk: { kty: "OKP", crv: "Ed25519", x: agentPublicKey } },
    iat: NOW_SECONDS - DAY_SECONDS,
    nbf: NOW_SECONDS - DAY_SECONDS,
    exp: NOW_SECONDS + 29 * DAY_SECONDS,
    jti: "01JGQ8Z9ZQ0000000000000002",
    ...overrides,
  };
}

export interface TestRegistry {
  signingKey: Ed25519KeyPair;
  document: RegistryKeysDocument;
  keys: ReturnType<typeof createRegistryKeysCache>;
  issueAit(agentPublicKey: string, overrides?: Partial<AitClaims>): Promise<string>;
}

/** A registry with one active signing key, published through a keys cache as a verifier would use it. */
export async function createTestRegistry(): Promise<TestRegistry> {
  const signingKey = await generateEd25519KeyPair();
  const document: RegistryKeysDocument = {
    keys: [{ kid: REGISTRY_KID, alg: "EdDSA", crv: "Ed25519", x: signingKey.publicKey, status: "active" }],
  };
  const keys = createRegistryKeysCache({ fetchKeys: async () => document, now: () => NOW_SECONDS * 1000 });
  return {
    signingKey,
    document,
    keys,
    issueAit: (agentPublicKey, overrides) =>
      signAit({
        claims: createAitClaims(agentPublicKey, overrides),
        kid: REGISTRY_KID,
        privateKey: signingKey.privateKey,
      }),
  };
}

export interface SignedTestRequest {
  method: string;
  pathWithQuery: string;
  body: string;
  headers: Record<string, string>;
}

/** A POST signed at the test clock by `privateKey`, carrying `ait`. */
export async function createSignedRequest(input: {
  ait: string;
  privateKey: CryptoKey;
  timestampSeconds?: number;
  nonce?: string;
  body?: string;
}): Promise<SignedTestRequest> {
  const method = "POST";
  const pathWithQuery = "/v1/relay/messages?trace=1";
  const body = input.body ?? '{"text":"hello"}';
  const headers = await signRequest({
    method,
    pathWithQuery,
    body,
    ait: input.ait,
    privateKey: input.privateKey,
    timestampSeconds: input.timestampSeconds ?? NOW_SECONDS,
    ...(input.nonce ? { nonce: input.nonce } : {}),
  });
  return { method, pathWithQuery, body, headers };
}

/** Runs verifyClawRequest and returns the ClawAuthError reason, or "accepted". */
export async function toVerifyOutcome(
  request: SignedTestRequest,
  options: Omit<VerifyClawRequestInput, "method" | "pathWithQuery" | "headers" | "body">,
): Promise<AuthFailureReason | "accepted"> {
  try {
    await verifyClawRequest({
      method: request.method,
      pathWithQuery: request.pathWithQuery,
      headers: new Headers(request.headers),
      body: request.body,
      ...options,
    });
    return "accepted";
  } catch (error) {
    if (error instanceof ClawAuthError) return error.reason;
    throw error;
  }
}

/** Awaits a promise expected to reject with a ClawAuthError and returns its reason. */
export async function toRejectionReason(promise: Promise<unknown>): Promise<AuthFailureReason> {
  const error = await promise.then(
    () => new Error("expected a ClawAuthError, but the promise resolved"),
    (caught: unknown) => caught,
  );
  if (error instanceof ClawAuthError) return error.reason;
  throw error;
}
