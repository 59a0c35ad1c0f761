import {
  type AgentChallengeResponse,
  type AgentWithAitResponse,
  type CreatedInviteResponse,
  type OwnerSessionResponse,
  toAgentRegistrationText,
} from "@clawdentity/protocol";
import { type Ed25519KeyPair, encodeUtf8, generateEd25519KeyPair, signEd25519 } from "@clawdentity/sdk";
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

/** The registration body an honest client sends for `challenge`. */
export async function toRegistrationBody(input: {
  challenge: AgentChallengeResponse;
  keyPair: Ed25519KeyPair;
  name: string;
  framework?: string;
  ttlDays?: number;
}) {
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
    ...(input.ttlDays === undefined ? {} : { ttlDays: input.ttlDays }),
    challengeId: challenge.challengeId,
    challengeSignature: await signEd25519(keyPair.privateKey, encodeUtf8(text)),
  };
}

/** A fresh key, a challenge for it and the honest registration body. */
export async function prepareRegistration(
  registry: TestRegistry,
  owner: OwnerSessionResponse,
  options: { name: string; framework?: string; ttlDays?: number; keyPair?: Ed25519KeyPair },
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
  options: { name?: string; ttlDays?: number } = {},
): Promise<RegisteredAgent> {
  const name = options.name ?? `agent-${crypto.randomUUID().slice(0, 8)}`;
  const { keyPair, body } = await prepareRegistration(registry, owner, { ...options, name });
  const response = await registry.call<AgentWithAitResponse>("POST", "/v1/agents", { token: owner.secret, body });
  expect(response.status).toBe(201);
  return { ...response.body, keyPair };
}
