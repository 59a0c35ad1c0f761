import {
  type AitClaims,
  CLAW_AUTH_SCHEME,
  CLAW_HEADERS,
  CLAW_PROOF_MAX_SKEW_SECONDS,
  toCanonicalRequestString,
} from "@clawdentity/protocol";
import { ClawAuthError } from "./auth-error";
import { encodeUtf8, hashBodySha256 } from "./base64url";
import { createUlid } from "./ids";
import type { SigningKeyResolver } from "./jws";
import { signEd25519, verifyEd25519 } from "./keys";
import type { SigningPrimitives } from "./signing-primitives";
import { type VerifiedAitCache, verifyAitWithHolderKey } from "./verified-ait-cache";

export interface ProofInput {
  method: string;
  pathWithQuery: string;
  timestamp: string;
  nonce: string;
  bodyHash: string;
}

export async function createRequestProof(
  input: ProofInput & { privateKey: CryptoKey; primitives?: SigningPrimitives },
): Promise<string> {
  return signEd25519(input.privateKey, encodeUtf8(toCanonicalRequestString(input)), input.primitives);
}

export async function verifyRequestProof(
  input: ProofInput & { proof: string; publicKey: string | CryptoKey },
): Promise<boolean> {
  return verifyEd25519(input.publicKey, input.proof, encodeUtf8(toCanonicalRequestString(input)));
}

export interface SignRequestInput {
  method: string;
  pathWithQuery: string;
  body?: string | Uint8Array | null;
  ait: string;
  privateKey: CryptoKey;
  timestampSeconds?: number;
  nonce?: string;
  /** Web Crypto's unless given (a Node process passes synchronous ones). */
  primitives?: SigningPrimitives;
}

/** The five Claw headers for one request, in their canonical (PROTOCOL.md §2) spelling. */
export async function signRequest(input: SignRequestInput): Promise<Record<string, string>> {
  const timestamp = String(input.timestampSeconds ?? Math.floor(Date.now() / 1000));
  const nonce = input.nonce ?? createUlid();
  const bodyHash = await hashBodySha256(input.body, input.primitives);
  const proof = await createRequestProof({ ...input, timestamp, nonce, bodyHash });
  return {
    Authorization: `${CLAW_AUTH_SCHEME} ${input.ait}`,
    "X-Claw-Timestamp": timestamp,
    "X-Claw-Nonce": nonce,
    "X-Claw-Body-SHA256": bodyHash,
    "X-Claw-Proof": proof,
  };
}

/** Records a nonce once per agent; false when it was already used inside its window. */
export interface NonceStore {
  checkAndRecord(input: { agentDid: string; nonce: string; expiresAtSeconds: number }): Promise<boolean>;
}

export interface VerifyClawRequestInput {
  method: string;
  pathWithQuery: string;
  headers: Headers;
  body: string | Uint8Array | null;
  keys: SigningKeyResolver;
  nowSeconds: number;
  issuer?: string;
  maxSkewSeconds?: number;
  nonceStore?: NonceStore;
  /** AITs this verifier already checked (one per isolate); each AIT is verified in full otherwise. */
  aitCache?: VerifiedAitCache;
}

export interface VerifiedClawRequest {
  claims: AitClaims;
  ait: string;
  nonce: string;
  timestampSeconds: number;
}

const TIMESTAMP_PATTERN = /^\d{1,12}$/;
const NONCE_MAX_LENGTH = 128;

/** The Claw headers of one request, checked for presence and shape (nothing cryptographic yet). */
export interface ClawRequestHeaders {
  ait: string;
  timestamp: string;
  timestampSeconds: number;
  nonce: string;
  bodyHash: string;
  proof: string;
}

/** A compact JWS: three base64url segments (the signature may not be empty). */
const COMPACT_JWS_PATTERN = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/**
 * The cheap part of PROTOCOL.md §2, for before the body is read: the `Claw` scheme, an AIT shaped as a
 * compact JWS, every header present and well formed, and the timestamp inside the window. A
 * request that fails here is refused without its body ever being buffered.
 */
export function precheckClawRequest(input: {
  headers: Headers;
  nowSeconds: number;
  maxSkewSeconds?: number;
}): ClawRequestHeaders {
  const { headers, nowSeconds, maxSkewSeconds = CLAW_PROOF_MAX_SKEW_SECONDS } = input;
  const authorization = headers.get(CLAW_HEADERS.authorization);
  if (!authorization) throw new ClawAuthError("MISSING_AUTHORIZATION", "Authorization header is required");
  const [scheme, ait, extra] = authorization.trim().split(/\s+/);
  if (scheme !== CLAW_AUTH_SCHEME || !ait || extra !== undefined) {
    throw new ClawAuthError("INVALID_SCHEME", "Authorization must be `Claw <AIT>`");
  }
  if (!COMPACT_JWS_PATTERN.test(ait)) throw new ClawAuthError("INVALID_AIT", "the AIT is not a compact JWS");

  const timestamp = headers.get(CLAW_HEADERS.timestamp);
  const nonce = headers.get(CLAW_HEADERS.nonce);
  const bodyHash = headers.get(CLAW_HEADERS.bodySha256);
  const proof = headers.get(CLAW_HEADERS.proof);
  const missing = [
    [CLAW_HEADERS.timestamp, timestamp],
    [CLAW_HEADERS.nonce, nonce],
    [CLAW_HEADERS.bodySha256, bodyHash],
    [CLAW_HEADERS.proof, proof],
  ].filter(([, value]) => !value);
  if (!timestamp || !nonce || !bodyHash || !proof) {
    throw new ClawAuthError("MISSING_HEADER", `missing ${missing.map(([name]) => name).join(", ")}`);
  }
  if (!TIMESTAMP_PATTERN.test(timestamp))
    throw new ClawAuthError("INVALID_TIMESTAMP", "timestamp must be unix seconds");
  if (nonce.length > NONCE_MAX_LENGTH) {
    throw new ClawAuthError("INVALID_NONCE", `nonce must be at most ${NONCE_MAX_LENGTH} characters`);
  }
  const timestampSeconds = Number(timestamp);
  if (Math.abs(nowSeconds - timestampSeconds) > maxSkewSeconds) {
    throw new ClawAuthError("TIMESTAMP_SKEW", `timestamp is more than ${maxSkewSeconds}s away from server time`);
  }
  return { ait, timestamp, timestampSeconds, nonce, bodyHash, proof };
}

/** Full PROTOCOL.md §2 check of one request; throws ClawAuthError with the precise reason. */
export async function verifyClawRequest(input: VerifyClawRequestInput): Promise<VerifiedClawRequest> {
  const { nowSeconds, maxSkewSeconds = CLAW_PROOF_MAX_SKEW_SECONDS } = input;
  const { ait, timestamp, timestampSeconds, nonce, bodyHash, proof } = precheckClawRequest(input);

  const aitInput = { token: ait, keys: input.keys, nowSeconds, ...(input.issuer ? { issuer: input.issuer } : {}) };
  const { claims, holderKey } = await (input.aitCache
    ? input.aitCache.verify(aitInput)
    : verifyAitWithHolderKey(aitInput));

  if ((await hashBodySha256(input.body)) !== bodyHash) {
    throw new ClawAuthError("BODY_HASH_MISMATCH", "body does not match X-Claw-Body-SHA256");
  }
  const proofInput = { method: input.method, pathWithQuery: input.pathWithQuery, timestamp, nonce, bodyHash };
  if (!holderKey || !(await verifyRequestProof({ ...proofInput, proof, publicKey: holderKey }))) {
    throw new ClawAuthError("INVALID_PROOF", "proof does not verify with the AIT's key");
  }

  if (input.nonceStore) {
    const fresh = await input.nonceStore.checkAndRecord({
      agentDid: claims.sub,
      nonce,
      expiresAtSeconds: timestampSeconds + maxSkewSeconds,
    });
    if (!fresh) throw new ClawAuthError("REPLAYED_NONCE", "nonce was already used");
  }
  return { claims, ait, nonce, timestampSeconds };
}

/** An agent's signed request as another party relays it: the five header values and what was signed. */
export interface SignedAgentRequestInput {
  ait: string;
  pathWithQuery: string;
  timestamp: string;
  nonce: string;
  bodyHash: string;
  proof: string;
}

/**
 * PROTOCOL.md §2.2 steps 1–5 for a request the agent made to someone else (its proxy), relayed as
 * evidence (§11.3, §11.7). Its nonce was the first receiver's to spend, so none is recorded here.
 */
export function verifySignedAgentRequest(
  input: Omit<VerifyClawRequestInput, "headers" | "pathWithQuery" | "nonceStore"> & {
    request: SignedAgentRequestInput;
  },
): Promise<VerifiedClawRequest> {
  const { request, ...rest } = input;
  const headers = new Headers({
    [CLAW_HEADERS.authorization]: `${CLAW_AUTH_SCHEME} ${request.ait}`,
    [CLAW_HEADERS.timestamp]: request.timestamp,
    [CLAW_HEADERS.nonce]: request.nonce,
    [CLAW_HEADERS.bodySha256]: request.bodyHash,
    [CLAW_HEADERS.proof]: request.proof,
  });
  return verifyClawRequest({ ...rest, pathWithQuery: request.pathWithQuery, headers });
}

/** Process-local nonce store for single-process verifiers and tests; Workers use a Durable Object. */
export function createMemoryNonceStore(now: () => number = () => Math.floor(Date.now() / 1000)): NonceStore {
  const seen = new Map<string, number>();
  return {
    async checkAndRecord({ agentDid, nonce, expiresAtSeconds }) {
      const current = now();
      for (const [key, expiry] of seen) if (expiry < current) seen.delete(key);
      const key = `${agentDid}\n${nonce}`;
      if (seen.has(key)) return false;
      seen.set(key, expiresAtSeconds);
      return true;
    },
  };
}
