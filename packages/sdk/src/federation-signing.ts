import {
  type AitClaims,
  CLAW_HEADERS,
  CLAW_PROOF_MAX_SKEW_SECONDS,
  CLAW_PROXY_AUTH_SCHEME,
  FEDERATION_PROOF_MAX_AGE_SECONDS,
  type FederationMessage,
  type MessageProofInput,
  type ProxyAuthFailureReason,
  type ProxyStatus,
  toMessageProofString,
  toProxyCanonicalString,
} from "@clawdentity/protocol";
import { calculateJwkThumbprint } from "jose";
import { verifyAit } from "./ait";
import { ClawAuthError } from "./auth-error";
import { encodeUtf8, hashBodySha256 } from "./base64url";
import { createUlid } from "./ids";
import type { SigningKeyResolver } from "./jws";
import { signEd25519, verifyEd25519 } from "./keys";
import type { SigningPrimitives } from "./signing-primitives";

/** A refused proxy-signed request (PROTOCOL.md §11.2); apps prefix the reason with their component. */
export class ProxyAuthError extends Error {
  override readonly name = "ProxyAuthError";
  constructor(
    readonly reason: ProxyAuthFailureReason,
    message: string,
  ) {
    super(message);
  }
}

/** A proxy's `kid`: the RFC 7638 thumbprint of its Ed25519 public key, so a key names itself. */
export async function toProxyKid(publicKey: string): Promise<string> {
  return calculateJwkThumbprint({ kty: "OKP", crv: "Ed25519", x: publicKey }, "sha256");
}

export interface SignProxyRequestInput {
  method: string;
  pathWithQuery: string;
  body?: string | Uint8Array | null;
  /** The receiver's origin (or the registry's issuer URL). */
  audience: string;
  /** The signing proxy's own origin. */
  origin: string;
  kid: string;
  privateKey: CryptoKey;
  timestampSeconds?: number;
  nonce?: string;
}

/** The headers of one proxy-signed request (PROTOCOL.md §11.2). */
export async function signProxyRequest(input: SignProxyRequestInput): Promise<Record<string, string>> {
  const timestamp = String(input.timestampSeconds ?? Math.floor(Date.now() / 1000));
  const nonce = input.nonce ?? createUlid();
  const bodyHash = await hashBodySha256(input.body);
  const signature = await signEd25519(
    input.privateKey,
    encodeUtf8(toProxyCanonicalString({ ...input, timestamp, nonce, bodyHash })),
  );
  return {
    Authorization: `${CLAW_PROXY_AUTH_SCHEME} ${input.kid}`,
    "X-Claw-Proxy-Origin": input.origin,
    "X-Claw-Audience": input.audience,
    "X-Claw-Timestamp": timestamp,
    "X-Claw-Nonce": nonce,
    "X-Claw-Body-SHA256": bodyHash,
    "X-Claw-Proxy-Signature": signature,
  };
}

export interface ProxyRequestHeaders {
  kid: string;
  origin: string;
  timestamp: string;
  timestampSeconds: number;
  nonce: string;
  bodyHash: string;
  signature: string;
}

const TIMESTAMP_PATTERN = /^\d{1,12}$/;
const NONCE_MAX_LENGTH = 128;
const KID_PATTERN = /^[A-Za-z0-9_-]{1,128}$/;

/** Header checks before the body is read: shape, timestamp window and audience. */
export function precheckProxyRequest(input: {
  headers: Headers;
  nowSeconds: number;
  audience: string;
  maxSkewSeconds?: number;
}): ProxyRequestHeaders {
  const { headers, nowSeconds, maxSkewSeconds = CLAW_PROOF_MAX_SKEW_SECONDS } = input;
  const authorization = headers.get(CLAW_HEADERS.authorization);
  const origin = headers.get(CLAW_HEADERS.proxyOrigin);
  const audience = headers.get(CLAW_HEADERS.audience);
  const timestamp = headers.get(CLAW_HEADERS.timestamp);
  const nonce = headers.get(CLAW_HEADERS.nonce);
  const bodyHash = headers.get(CLAW_HEADERS.bodySha256);
  const signature = headers.get(CLAW_HEADERS.proxySignature);
  if (!authorization || !origin || !audience || !timestamp || !nonce || !bodyHash || !signature) {
    throw new ProxyAuthError("MISSING_HEADER", "a proxy-signed request needs all seven headers of PROTOCOL.md §11.2");
  }
  const [scheme, kid, extra] = authorization.trim().split(/\s+/);
  if (scheme !== CLAW_PROXY_AUTH_SCHEME || !kid || extra !== undefined || !KID_PATTERN.test(kid)) {
    throw new ProxyAuthError("INVALID_SCHEME", "Authorization must be `ClawProxy <kid>`");
  }
  if (!TIMESTAMP_PATTERN.test(timestamp))
    throw new ProxyAuthError("INVALID_TIMESTAMP", "timestamp must be unix seconds");
  if (nonce.length > NONCE_MAX_LENGTH) throw new ProxyAuthError("INVALID_NONCE", "nonce is too long");
  const timestampSeconds = Number(timestamp);
  if (Math.abs(nowSeconds - timestampSeconds) > maxSkewSeconds) {
    throw new ProxyAuthError("TIMESTAMP_SKEW", `timestamp is more than ${maxSkewSeconds}s away from server time`);
  }
  if (audience !== input.audience) {
    throw new ProxyAuthError("WRONG_AUDIENCE", `the request was signed for ${audience}, not for ${input.audience}`);
  }
  return { kid, origin, timestamp, timestampSeconds, nonce, bodyHash, signature };
}

/** A registered proxy key as the verifier needs it; null when no key has that kid. */
export interface ProxyKeyRecord {
  origin: string;
  publicKey: string;
  status: ProxyStatus;
}
export type ProxyKeyResolver = (kid: string) => Promise<ProxyKeyRecord | null>;

/** Full check of a proxy-signed request, in the order of PROTOCOL.md §11.2; returns who signed it. */
export async function verifyProxyRequest(input: {
  method: string;
  pathWithQuery: string;
  headers: Headers;
  body: string | Uint8Array | null;
  audience: string;
  nowSeconds: number;
  resolveProxy: ProxyKeyResolver;
}): Promise<{ kid: string; origin: string; timestampSeconds: number }> {
  const signed = precheckProxyRequest(input);
  if ((await hashBodySha256(input.body)) !== signed.bodyHash) {
    throw new ProxyAuthError("BODY_HASH_MISMATCH", "body does not match X-Claw-Body-SHA256");
  }
  const record = await input.resolveProxy(signed.kid);
  if (!record) throw new ProxyAuthError("UNKNOWN_PROXY", "no proxy key with that kid is registered");
  if (record.status !== "active") throw new ProxyAuthError("PROXY_REVOKED", "the proxy key is revoked");
  if (record.origin !== signed.origin) {
    throw new ProxyAuthError("ORIGIN_MISMATCH", "the proxy key is registered for another origin");
  }
  const canonical = toProxyCanonicalString({
    method: input.method,
    pathWithQuery: input.pathWithQuery,
    audience: input.audience,
    origin: signed.origin,
    kid: signed.kid,
    timestamp: signed.timestamp,
    nonce: signed.nonce,
    bodyHash: signed.bodyHash,
  });
  if (!(await verifyEd25519(record.publicKey, signed.signature, encodeUtf8(canonical)))) {
    throw new ProxyAuthError("INVALID_SIGNATURE", "the proxy signature does not verify");
  }
  return { kid: signed.kid, origin: signed.origin, timestampSeconds: signed.timestampSeconds };
}

/** The sending agent's signature over sender, recipient, messageId, timestamp and body hash (§11.4). */
export async function createMessageProof(
  input: MessageProofInput & { privateKey: CryptoKey; primitives?: SigningPrimitives },
): Promise<string> {
  return signEd25519(input.privateKey, encodeUtf8(toMessageProofString(input)), input.primitives);
}

export async function verifyMessageProof(
  input: MessageProofInput & { proof: string; publicKey: string },
): Promise<boolean> {
  return verifyEd25519(input.publicKey, input.proof, encodeUtf8(toMessageProofString(input)));
}

/**
 * End-to-end check of one forwarded message (PROTOCOL.md §11.4): the sender's AIT as of the proof's
 * time, the AIT naming the sender, and the sender's proof over this recipient, messageId and
 * payload. A proxy cannot make a message up, alter it, or replay it to another recipient. Throws
 * ClawAuthError: `INVALID_PROOF` for the proof, `TIMESTAMP_SKEW` for its age, an AIT reason else.
 */
export async function verifyFederatedMessage(input: {
  message: FederationMessage;
  keys: SigningKeyResolver;
  nowSeconds: number;
  issuer?: string;
  maxAgeSeconds?: number;
}): Promise<AitClaims> {
  const { message, nowSeconds, maxAgeSeconds = FEDERATION_PROOF_MAX_AGE_SECONDS } = input;
  const age = nowSeconds - message.proofTimestamp;
  if (age > maxAgeSeconds || age < -CLAW_PROOF_MAX_SKEW_SECONDS) {
    throw new ClawAuthError("TIMESTAMP_SKEW", "the message proof is too old or from the future");
  }
  const claims = await verifyAit({
    token: message.ait,
    keys: input.keys,
    nowSeconds: message.proofTimestamp,
    ...(input.issuer ? { issuer: input.issuer } : {}),
  });
  if (claims.sub !== message.senderAgentDid) throw new ClawAuthError("INVALID_PROOF", "the AIT is not the sender's");
  const proved = await verifyMessageProof({
    senderDid: message.senderAgentDid,
    recipientDid: message.recipientAgentDid,
    messageId: message.messageId,
    timestamp: String(message.proofTimestamp),
    bodyHash: await hashBodySha256(message.payload),
    proof: message.proof,
    publicKey: claims.cnf.jwk.x,
  });
  if (!proved) throw new ClawAuthError("INVALID_PROOF", "the message proof does not verify with the sender's key");
  return claims;
}
