import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  FEDERATION_PATHS,
  type FederationMessage,
  type FederationMessageResult,
  type Priority,
  REGISTRY_PATHS,
} from "../../packages/protocol/src/index.ts";
import {
  createMessageProof,
  createUlid,
  encodeUtf8,
  hashBodySha256,
  importEd25519Seed,
  signProxyRequest,
} from "../../packages/sdk/src/index.ts";
import { type LocalProxyKey, toLocalProxyKey } from "../local-stack/proxy-registration";

/** A proxy's signing identity: its origin and Ed25519 seed; `kid` defaults to the seed's own. */
export interface ProxyIdentity {
  origin: string;
  seed: string;
  /** Another key's `kid`, to claim an identity the seed does not own (a forged signature). */
  kid?: string;
}

/** An agent's identity as `agent create` keeps it (`<home>/agents/<name>/identity.json`). */
export interface AgentIdentity {
  ait: string;
  seed: string;
}

export function readAgentIdentity(home: string, agent: string): AgentIdentity {
  return JSON.parse(readFileSync(join(home, "agents", agent, "identity.json"), "utf8")) as AgentIdentity;
}

/** The public key and `kid` of a proxy identity's seed, as an operator registers it. */
export function toProxyKey(identity: ProxyIdentity): LocalProxyKey {
  return toLocalProxyKey(identity.origin, identity.seed);
}

/**
 * A message as a sending proxy forwards it (PROTOCOL.md §11.4), with the sender's real AIT and
 * proof; `proofFor` signs the proof over other fields than the message carries (a replay).
 */
export async function createFederationMessage(input: {
  sender: AgentIdentity;
  senderDid: string;
  recipientDid: string;
  payload: unknown;
  priority?: Priority;
  proofFor?: { senderDid?: string; recipientDid?: string; messageId?: string };
}): Promise<FederationMessage> {
  const messageId = createUlid();
  const payload = JSON.stringify(input.payload);
  const timestamp = String(Math.floor(Date.now() / 1000));
  const { privateKey } = await importEd25519Seed(input.sender.seed);
  const proof = await createMessageProof({
    senderDid: input.proofFor?.senderDid ?? input.senderDid,
    recipientDid: input.proofFor?.recipientDid ?? input.recipientDid,
    messageId: input.proofFor?.messageId ?? messageId,
    timestamp,
    bodyHash: await hashBodySha256(encodeUtf8(payload)),
    privateKey,
  });
  return {
    messageId,
    senderAgentDid: input.senderDid,
    recipientAgentDid: input.recipientDid,
    correlationId: messageId,
    priority: input.priority ?? "normal",
    ait: input.sender.ait,
    proofTimestamp: Number(timestamp),
    proof,
    payload,
  };
}

/**
 * `POST /v1/federation/messages` to `targetUrl`, signed as `as` (PROTOCOL.md §11.2): `{status,
 * code}` when refused as a whole, `{status, results}` when the batch was judged message by message.
 */
export async function postFederationMessages(
  targetUrl: string,
  as: ProxyIdentity,
  messages: FederationMessage[],
): Promise<{ status: number; code?: string; results?: FederationMessageResult[] }> {
  const body = JSON.stringify({ messages });
  const { privateKey } = await importEd25519Seed(as.seed);
  const headers = await signProxyRequest({
    method: "POST",
    pathWithQuery: FEDERATION_PATHS.messages,
    body,
    audience: new URL(targetUrl).origin,
    origin: as.origin,
    kid: as.kid ?? toProxyKey(as).kid,
    privateKey,
  });
  const response = await fetch(new URL(FEDERATION_PATHS.messages, targetUrl), {
    method: "POST",
    headers: { ...headers, "content-type": "application/json" },
    body,
  });
  const answer = (await response.json()) as { error?: { code?: string }; results?: FederationMessageResult[] };
  return {
    status: response.status,
    ...(answer.error?.code ? { code: answer.error.code } : {}),
    ...(answer.results ? { results: answer.results } : {}),
  };
}

/** The owner token `admin bootstrap` saved in the CLI home: the registry's admin API (§3.1) takes it. */
export function readOwnerToken(home: string): string {
  const { token } = JSON.parse(readFileSync(join(home, "config.json"), "utf8")) as { token?: string };
  if (!token) throw new Error(`no owner token in ${home}/config.json; run admin bootstrap first`);
  return token;
}

/** An operator's `POST /v1/proxies` (register) or `DELETE /v1/proxies/:kid` (revoke), PROTOCOL.md §11.1. */
export async function manageProxyKey(
  registryUrl: string,
  token: string,
  action: "register" | "revoke",
  key: LocalProxyKey,
): Promise<void> {
  const path = action === "register" ? REGISTRY_PATHS.proxies : `${REGISTRY_PATHS.proxies}/${key.kid}`;
  const response = await fetch(new URL(path, registryUrl), {
    method: action === "register" ? "POST" : "DELETE",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    ...(action === "register" ? { body: JSON.stringify({ origin: key.origin, publicKey: key.publicKey }) } : {}),
  });
  if (!response.ok)
    throw new Error(`${action} proxy key: registry answered ${response.status} ${await response.text()}`);
}

/** The agent's home proxy as the registry resolves it (`GET /v1/resolve/:did`, §11.3). */
export async function resolveHomeProxy(registryUrl: string, agentDid: string): Promise<string | null> {
  const response = await fetch(new URL(`${REGISTRY_PATHS.resolve}/${agentDid}`, registryUrl));
  if (!response.ok) throw new Error(`resolve ${agentDid}: registry answered ${response.status}`);
  const { agent } = (await response.json()) as { agent: { homeProxy?: { origin: string } | null } };
  return agent.homeProxy?.origin ?? null;
}
