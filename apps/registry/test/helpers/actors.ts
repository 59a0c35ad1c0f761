import {
  type AgentChallengeResponse,
  type AgentWithAitResponse,
  type AitClaims,
  type CreatedInviteResponse,
  type OwnerSessionResponse,
  toAgentRegistrationText,
  toKeyRotationText,
} from "@clawdentity/protocol";
import {
  createUlid,
  decodeBase64url,
  type Ed25519KeyPair,
  encodeUtf8,
  generateEd25519KeyPair,
  signEd25519,
  signRequest,
} from "@clawdentity/sdk";
import { expect } from "vitest";
import { TEST_BOOTSTRAP_SECRET, type TestRegistry } from "./registry";

export async function bootstrapAdmin(registry: TestRegistry): Promise<OwnerSessionResponse> {
  const response = await registry.call<OwnerSessionResponse>("POST", "/v1/admin/bootstrap", {
    headers: { "x-bootstrap-secret": TEST_BOOTSTRAP_SECRET },
    body: { displayName: "Root" },
  });
  expect(response.status).toBe(201);
  return response.body;
}

/** A member owner, invited by `admin`. */
export async function createMember(
  registry: TestRegistry,
  admin: OwnerSessionResponse,
  displayName = "Member",
): Promise<OwnerSessionResponse> {
  const invite = await registry.call<CreatedInviteResponse>("POST", "/v1/invites", { token: admin.secret, body: {} });
  expect(invite.status).toBe(201);
  const redeemed = await registry.call<OwnerSessionResponse>("POST", "/v1/invites/redeem", {
    body: { code: invite.body.code, displayName },
  });
  expect(redeemed.status).toBe(201);
  return redeemed.body;
}

export async function requestChallenge(
  registry: TestRegistry,
  owner: OwnerSessionResponse,
  publicKey: string,
): Promise<AgentChallengeResponse> {
  const response = await registry.call<AgentChallengeResponse>("POST", "/v1/agents/challenge", {
    token: owner.secret,
    body: { publicKey },
  });
  expect(response.status).toBe(201);
  return response.body;
}

/** Optional registration fields: the AIT lifetime and the owner's renewal policy. */
export interface RegistrationOptions {
  ttlDays?: number;
  ttlSeconds?: number;
  selfRenewal?: boolean;
  maxLifetimeDays?: number;
}

function toRegistrationOptions(input: RegistrationOptions): RegistrationOptions {
  const { ttlDays, ttlSeconds, selfRenewal, maxLifetimeDays } = input;
  return Object.fromEntries(
    Object.entries({ ttlDays, ttlSeconds, selfRenewal, maxLifetimeDays }).filter(([, value]) => value !== undefined),
  );
}

/** The registration body an honest client sends for `challenge`. */
export async function toRegistrationBody(
  input: {
    challenge: AgentChallengeResponse;
    keyPair: Ed25519KeyPair;
    name: string;
    framework?: string;
  } & RegistrationOptions,
) {
  const { challenge, keyPair, name } = input;
  const text = toAgentRegistrationText({
    challengeId: challenge.challengeId,
    nonce: challenge.nonce,
    ownerDid: challenge.ownerDid,
    publicKey: keyPair.publicKey,
    name,
  });
  return {
    name,
    framework: input.framework ?? "openclaw",
    publicKey: keyPair.publicKey,
    ...toRegistrationOptions(input),
    challengeId: challenge.challengeId,
    challengeSignature: await signEd25519(keyPair.privateKey, encodeUtf8(text)),
  };
}

/** A fresh key, a challenge for it and the honest registration body. */
export async function prepareRegistration(
  registry: TestRegistry,
  owner: OwnerSessionResponse,
  options: { name: string; framework?: string; keyPair?: Ed25519KeyPair } & RegistrationOptions,
) {
  const keyPair = options.keyPair ?? (await generateEd25519KeyPair());
  const challenge = await requestChallenge(registry, owner, keyPair.publicKey);
  const body = await toRegistrationBody({ ...options, challenge, keyPair });
  return { keyPair, challenge, body };
}

export interface RegisteredAgent extends AgentWithAitResponse {
  keyPair: Ed25519KeyPair;
}

export async function registerAgent(
  registry: TestRegistry,
  owner: OwnerSessionResponse,
  options: { name?: string; keyPair?: Ed25519KeyPair } & RegistrationOptions = {},
): Promise<RegisteredAgent> {
  const name = options.name ?? `agent-${crypto.randomUUID().slice(0, 8)}`;
  const { keyPair, body } = await prepareRegistration(registry, owner, { ...options, name });
  const response = await registry.call<AgentWithAitResponse>("POST", "/v1/agents", { token: owner.secret, body });
  expect(response.status).toBe(201);
  return { ...response.body, keyPair };
}

/** An agent's own credentials: its AIT and the key its `cnf` names. */
export interface AgentCredentials {
  ait: string;
  keyPair: Ed25519KeyPair;
}

/**
 * `POST /v1/agents/renew` signed by the agent (PROTOCOL.md §2) at the registry's clock. `newKey`
 * rotates to that key, its proof bound to this request's nonce unless `proofNonce` says otherwise.
 */
export async function signedRenewal(
  registry: TestRegistry,
  credentials: AgentCredentials,
  options: { newKey?: Ed25519KeyPair; proofNonce?: string; nonce?: string; headers?: Record<string, string> } = {},
) {
  const nonce = options.nonce ?? createUlid();
  const claims = toUnverifiedClaims(credentials.ait);
  let body = "";
  if (options.newKey) {
    const text = toKeyRotationText({
      agentDid: claims.sub,
      jti: claims.jti,
      nonce: options.proofNonce ?? nonce,
      publicKey: options.newKey.publicKey,
    });
    const proof = await signEd25519(options.newKey.privateKey, encodeUtf8(text));
    body = JSON.stringify({ newKey: { publicKey: options.newKey.publicKey, proof } });
  }
  const headers = await signRequest({
    method: "POST",
    pathWithQuery: "/v1/agents/renew",
    body,
    ait: credentials.ait,
    privateKey: credentials.keyPair.privateKey,
    timestampSeconds: Math.floor(registry.clock.nowMs() / 1000),
    nonce,
  });
  return registry.call<AgentWithAitResponse>("POST", "/v1/agents/renew", {
    rawBody: body,
    headers: { ...headers, ...(body ? { "content-type": "application/json" } : {}), ...options.headers },
  });
}

/** The claims of a token, read without verifying (tests verify separately). */
export function toUnverifiedClaims(ait: string): AitClaims {
  const payload = ait.split(".")[1] ?? "";
  return JSON.parse(new TextDecoder().decode(decodeBase64url(payload))) as AitClaims;
}
