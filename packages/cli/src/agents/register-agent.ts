import {
  type AgentRegistrationRequest,
  type AgentWithAitResponse,
  toAgentRegistrationText,
} from "@clawdentity/protocol";
import { type Ed25519KeyPair, encodeUtf8, generateEd25519KeyPair, signEd25519 } from "@clawdentity/sdk";
import type { RegistryClient } from "../http";

export interface RegisterAgentInput {
  registry: RegistryClient;
  name: string;
  framework: string;
  /** The AIT lifetime and the owner's renewal policy; the registry's defaults otherwise. */
  options?: Pick<AgentRegistrationRequest, "ttlDays" | "ttlSeconds" | "selfRenewal" | "maxLifetimeDays">;
}

/**
 * A fresh Ed25519 key registered with the registry: challenge, proof of possession over the
 * registration text (binding challenge, owner, key and name), then registration.
 */
export async function registerAgent(
  input: RegisterAgentInput,
): Promise<{ keys: Ed25519KeyPair; registered: AgentWithAitResponse }> {
  const keys = await generateEd25519KeyPair();
  const challenge = await input.registry.createChallenge(keys.publicKey);
  const text = toAgentRegistrationText({
    challengeId: challenge.challengeId,
    nonce: challenge.nonce,
    ownerDid: challenge.ownerDid,
    publicKey: keys.publicKey,
    name: input.name,
  });
  const registered = await input.registry.registerAgent({
    name: input.name,
    framework: input.framework,
    publicKey: keys.publicKey,
    challengeId: challenge.challengeId,
    challengeSignature: await signEd25519(keys.privateKey, encodeUtf8(text)),
    ...input.options,
  });
  return { keys, registered };
}
