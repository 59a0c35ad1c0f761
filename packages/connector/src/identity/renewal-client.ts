import { type Agent, agentWithAitResponseSchema, REGISTRY_PATHS, toKeyRotationText } from "@clawdentity/protocol";
import { createUlid, decodeAitClaims, encodeUtf8, importEd25519Seed, signEd25519, signRequest } from "@clawdentity/sdk";
import type { AgentIdentity } from "../config";
import { callHttp, HttpCallError, type HttpTransport, parseRetryAfterMs, toErrorCode } from "../http";
import { describeHttpFailure, toProxyUrl } from "../proxy";
import type { Credentials } from "./credentials";

/** What the registry made of one renewal request. */
export type RenewalAnswer =
  | { kind: "renewed"; identity: AgentIdentity; agent: Agent }
  /** The AIT itself was refused (expired, revoked): no renewal can follow with it. */
  | { kind: "identity_refused"; code: string; error: string }
  /** The registry will not renew it as asked (the owner's policy, a bad key proof): ask again slowly. */
  | { kind: "refused"; code: string | null; error: string }
  | { kind: "retry"; code: string | null; error: string; retryAfterMs: number | null }
  | { kind: "aborted" };

export interface RenewalRequest {
  registryUrl: string;
  credentials: Credentials;
  /** Rotates to the key of this seed (the new key proves itself bound to this request). */
  nextSeed?: string;
  http: HttpTransport;
  timeoutMs: number;
  nowMs: number;
  signal?: AbortSignal;
}

const IDENTITY_CODES = new Set(["REGISTRY_AUTH_AIT_EXPIRED", "REGISTRY_AUTH_AGENT_REVOKED"]);

/** The renewal body: empty, or the new key and its proof over `toKeyRotationText`. */
async function toRenewalBody(credentials: Credentials, nonce: string, nextSeed: string | undefined): Promise<string> {
  if (!nextSeed) return "{}";
  const next = await importEd25519Seed(nextSeed);
  const text = toKeyRotationText({
    agentDid: credentials.identity.agentDid,
    jti: credentials.claims.jti,
    nonce,
    publicKey: next.publicKey,
  });
  return JSON.stringify({
    newKey: { publicKey: next.publicKey, proof: await signEd25519(next.privateKey, encodeUtf8(text)) },
  });
}

/** The identity an answered AIT makes: with the seed whose key it names (the current or the rotated-to one). */
async function toRenewedIdentity(request: RenewalRequest, ait: string): Promise<AgentIdentity | string> {
  const { identity } = request.credentials;
  const claims = decodeAitClaims(ait);
  if (!claims || claims.sub !== identity.agentDid) return "the registry answered an AIT for another agent";
  for (const seed of [identity.seed, request.nextSeed]) {
    if (seed && (await importEd25519Seed(seed)).publicKey === claims.cnf.jwk.x) {
      return { agentDid: identity.agentDid, ait, seed };
    }
  }
  return "the registry answered an AIT for a key this agent does not hold";
}

/**
 * `POST /v1/agents/renew` at the registry, signed with the current identity (PROTOCOL.md §3).
 * Asked again after a lost answer (within `RENEWAL_RECOVERY_SECONDS`), the registry answers the
 * AIT it issued then, so a retry with the same `nextSeed` always ends with a usable identity.
 */
export async function requestRenewal(request: RenewalRequest): Promise<RenewalAnswer> {
  const { credentials } = request;
  const url = toProxyUrl(request.registryUrl, REGISTRY_PATHS.agentRenew);
  const nonce = createUlid();
  const body = await toRenewalBody(credentials, nonce, request.nextSeed);
  const claw = await signRequest({
    method: "POST",
    pathWithQuery: url.pathname,
    body,
    ait: credentials.identity.ait,
    privateKey: credentials.privateKey,
    nonce,
  });
  let result: Awaited<ReturnType<typeof callHttp>>;
  try {
    result = await callHttp({
      http: request.http,
      url: url.toString(),
      method: "POST",
      headers: { "content-type": "application/json", ...claw },
      body,
      timeoutMs: request.timeoutMs,
      ...(request.signal ? { signal: request.signal } : {}),
    });
  } catch (error) {
    if (error instanceof HttpCallError && error.kind === "aborted") return { kind: "aborted" };
    return { kind: "retry", code: null, error: (error as Error).message, retryAfterMs: null };
  }
  const code = toErrorCode(result.json) ?? null;
  const error = describeHttpFailure(result);
  if (result.status === 200) {
    const parsed = agentWithAitResponseSchema.safeParse(result.json);
    if (!parsed.success)
      return { kind: "retry", code: null, error: "the registry answered an unreadable renewal", retryAfterMs: null };
    const identity = await toRenewedIdentity(request, parsed.data.ait);
    if (typeof identity === "string") return { kind: "refused", code: null, error: identity };
    return { kind: "renewed", identity, agent: parsed.data.agent };
  }
  if (code && IDENTITY_CODES.has(code)) return { kind: "identity_refused", code, error };
  const retryAfterMs = parseRetryAfterMs(result.headers.get("retry-after"), request.nowMs);
  // Clock skew or a nonce clash (other 401s), a concurrent change (409), throttling and outages pass.
  if (result.status === 401 || result.status === 408 || result.status === 409 || result.status === 429) {
    return { kind: "retry", code, error, retryAfterMs };
  }
  if (result.status >= 500 || result.status < 400) return { kind: "retry", code, error, retryAfterMs };
  return { kind: "refused", code, error };
}
