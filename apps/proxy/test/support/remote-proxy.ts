import { env } from "cloudflare:workers";
import { CLAW_HEADERS, FEDERATION_PATHS, type FederationMessage, type Priority } from "@clawdentity/protocol";
import {
  createMessageProof,
  createUlid,
  type Ed25519KeyPair,
  generateEd25519KeyPair,
  hashBodySha256,
  signProxyRequest,
  toProxyKid,
} from "@clawdentity/sdk";
import type { ManualClock } from "./manual-clock";
import { TEST_PROXY_ORIGIN, TEST_REGISTRY_CONTROL } from "./registry-fixture";
import type { TestAgent } from "./test-agents";

export interface RemoteProxy {
  origin: string;
  kid: string;
  keyPair: Ed25519KeyPair;
}

async function steerRegistry(path: string, body: unknown): Promise<void> {
  const registry = env.REGISTRY;
  if (!registry) throw new Error("the tests need the REGISTRY service binding");
  await registry.fetch(`https://registry.test${path}`, { method: "PUT", body: JSON.stringify(body) });
}

/** Another proxy deployment, as the registry stub lists it (`status` as given; omit `registered` for an unknown one). */
export async function createRemoteProxy(
  origin: string,
  options: { status?: "active" | "revoked"; registered?: boolean } = {},
): Promise<RemoteProxy> {
  const keyPair = await generateEd25519KeyPair();
  const kid = await toProxyKid(keyPair.publicKey);
  if (options.registered !== false) {
    await steerRegistry(TEST_REGISTRY_CONTROL.proxies, {
      kid,
      origin,
      publicKey: keyPair.publicKey,
      status: options.status ?? "active",
    });
  }
  return { origin, kid, keyPair };
}

/** Tells the registry stub which proxy `agentDid` calls home (null: none). */
export async function setHomeAtRegistry(agentDid: string, homeProxy: { origin: string; kid: string } | null) {
  await steerRegistry(TEST_REGISTRY_CONTROL.homes, { agentDid, homeProxy });
}

/** A message as the sender's home proxy forwards it: the sender's AIT and its proof travel along. */
export async function toForwardedMessage(
  clock: ManualClock,
  sender: TestAgent,
  recipientDid: string,
  payload: unknown,
  options: { messageId?: string; priority?: Priority } = {},
): Promise<FederationMessage> {
  const messageId = options.messageId ?? createUlid(clock.nowMs());
  const text = JSON.stringify(payload);
  const proofTimestamp = Math.floor(clock.nowMs() / 1000);
  const proof = await createMessageProof({
    senderDid: sender.did,
    recipientDid,
    messageId,
    timestamp: String(proofTimestamp),
    bodyHash: await hashBodySha256(text),
    privateKey: sender.keyPair.privateKey,
  });
  return {
    messageId,
    senderAgentDid: sender.did,
    recipientAgentDid: recipientDid,
    correlationId: messageId,
    priority: options.priority ?? "normal",
    ait: sender.ait,
    proofTimestamp,
    proof,
    payload: text,
  };
}

/** `POST /v1/federation/messages` from `from`, signed for the proxy under test unless told otherwise. */
export async function toForwardRequest(
  clock: ManualClock,
  from: RemoteProxy,
  messages: FederationMessage[],
  options: { audience?: string; privateKey?: CryptoKey } = {},
): Promise<Request> {
  const body = JSON.stringify({ messages });
  const headers = await signProxyRequest({
    method: "POST",
    pathWithQuery: FEDERATION_PATHS.messages,
    body,
    audience: options.audience ?? TEST_PROXY_ORIGIN,
    origin: from.origin,
    kid: from.kid,
    privateKey: options.privateKey ?? from.keyPair.privateKey,
    timestampSeconds: Math.floor(clock.nowMs() / 1000),
  });
  return new Request(`https://proxy.test${FEDERATION_PATHS.messages}`, {
    method: "POST",
    headers: { ...headers, "content-type": "application/json", [CLAW_HEADERS.requestId]: createUlid() },
    body,
  });
}
