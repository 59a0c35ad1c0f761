import { env } from "cloudflare:workers";
import {
  CLAW_HEADERS,
  type DeliveryReceiptData,
  FEDERATION_PATHS,
  type FederationMessage,
  type Priority,
} from "@clawdentity/protocol";
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
import type { TestProxy } from "./test-proxy";

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

/** A POST to a federation route from `from`, signed for the proxy under test unless told otherwise. */
export async function toSignedFederationRequest(
  clock: ManualClock,
  from: RemoteProxy,
  path: string,
  body: string,
  options: { audience?: string; privateKey?: CryptoKey } = {},
): Promise<Request> {
  const headers = await signProxyRequest({
    method: "POST",
    pathWithQuery: path,
    body,
    audience: options.audience ?? TEST_PROXY_ORIGIN,
    origin: from.origin,
    kid: from.kid,
    privateKey: options.privateKey ?? from.keyPair.privateKey,
    timestampSeconds: Math.floor(clock.nowMs() / 1000),
  });
  return new Request(`https://proxy.test${path}`, {
    method: "POST",
    headers: { ...headers, "content-type": "application/json", [CLAW_HEADERS.requestId]: createUlid() },
    body,
  });
}

/** `POST /v1/federation/messages` from `from`, signed for the proxy under test unless told otherwise. */
export function toForwardRequest(
  clock: ManualClock,
  from: RemoteProxy,
  messages: FederationMessage[],
  options: { audience?: string; privateKey?: CryptoKey } = {},
): Promise<Request> {
  return toSignedFederationRequest(clock, from, FEDERATION_PATHS.messages, JSON.stringify({ messages }), options);
}

/** `POST /v1/federation/receipts` from `from`, signed for the proxy under test unless told otherwise. */
export function toReceiptsRequest(
  clock: ManualClock,
  from: RemoteProxy,
  receipts: DeliveryReceiptData[],
  options: { privateKey?: CryptoKey } = {},
): Promise<Request> {
  return toSignedFederationRequest(clock, from, FEDERATION_PATHS.receipts, JSON.stringify({ receipts }), options);
}

/** `POST /v1/relay/messages` with the sender's message proof, as a federating connector sends it. */
export async function sendProved(proxy: TestProxy, sender: TestAgent, recipientDid: string, messageId: string) {
  const request = await proxy.messageRequest(sender, recipientDid, { text: "hi B" }, { messageId });
  const proof = await createMessageProof({
    senderDid: sender.did,
    recipientDid,
    messageId,
    timestamp: request.headers.get(CLAW_HEADERS.timestamp) ?? "",
    bodyHash: request.headers.get(CLAW_HEADERS.bodySha256) ?? "",
    privateKey: sender.keyPair.privateKey,
  });
  const headers = new Headers(request.headers);
  headers.set(CLAW_HEADERS.messageProof, proof);
  return proxy.fetch(new Request(request, { headers }));
}
