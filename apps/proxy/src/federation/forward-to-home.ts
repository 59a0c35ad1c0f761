import {
  type AitClaims,
  CLAW_HEADERS,
  type FederationMessage,
  type Priority,
  type RelayMessageHeaders,
} from "@clawdentity/protocol";
import { verifyMessageProof } from "@clawdentity/sdk";
import { AppError } from "@clawdentity/sdk/http";
import type { RegistryClient } from "../auth";
import type { ProxyConfig } from "../config";
import type { ForwardResult } from "./federation-outbox";

/** The destination's outbox, one Durable Object per remote proxy origin. */
export function toFederationOutbox(env: Env, origin: string) {
  return env.FEDERATION_OUTBOXES.get(env.FEDERATION_OUTBOXES.idFromName(origin));
}

/** The home the registry names for this recipient, when it is another proxy; a registry failure is "not remote". */
async function findRemoteHome(config: ProxyConfig, registry: RegistryClient, recipientDid: string) {
  try {
    const home = await registry.resolveHome(recipientDid);
    return home && home.origin !== config.federation.origin ? home : null;
  } catch (error) {
    console.warn("recipient's home could not be resolved", { recipientDid, error: String(error) });
    return null;
  }
}

/** What the sender signed for one message: its AIT, the request's timestamp, the payload's hash and the proof. */
export interface SignedMessage {
  ait: string;
  timestamp: string;
  bodyHash: string;
  proof: string | null;
}

/** The signed parts of a single `POST /v1/relay/messages`, whose body is the payload. */
export function toSignedMessage(request: Request): SignedMessage {
  const [, ait = ""] = (request.headers.get(CLAW_HEADERS.authorization) ?? "").trim().split(/\s+/);
  return {
    ait,
    timestamp: request.headers.get(CLAW_HEADERS.timestamp) ?? "",
    bodyHash: request.headers.get(CLAW_HEADERS.bodySha256) ?? "",
    proof: request.headers.get(CLAW_HEADERS.messageProof),
  };
}

/**
 * PROTOCOL.md §11.4 on the sender's side: a recipient this proxy never saw whose home is another
 * proxy. The sender's message proof (recipient, messageId, timestamp, body hash) is checked here,
 * then the message is stored in that destination's outbox; the 202 follows as for a local relay.
 * Null: the recipient is not at home elsewhere, so the local refusal stands.
 */
export async function forwardToHome(input: {
  env: Env;
  config: ProxyConfig;
  registry: RegistryClient;
  claims: AitClaims;
  headers: RelayMessageHeaders;
  signed: SignedMessage;
  correlationId: string;
  priority: Priority;
  payload: string;
  acceptedAtMs: number;
}): Promise<ForwardResult | null> {
  const { env, config, registry, claims, headers, signed } = input;
  if (!config.federation.signingKey) return null;
  const home = await findRemoteHome(config, registry, headers.recipientAgentDid);
  if (!home) return null;

  const { proof, timestamp, bodyHash } = signed;
  if (!proof) {
    throw new AppError(
      "PROXY_MESSAGE_PROOF_REQUIRED",
      400,
      `the recipient is at home on another proxy: sign the message (${CLAW_HEADERS.messageProof})`,
    );
  }
  const proved = await verifyMessageProof({
    senderDid: claims.sub,
    recipientDid: headers.recipientAgentDid,
    messageId: headers.messageId,
    timestamp,
    bodyHash,
    proof,
    publicKey: claims.cnf.jwk.x,
  });
  if (!proved) throw new AppError("PROXY_MESSAGE_PROOF_INVALID", 400, "the message proof does not verify");

  const message: FederationMessage = {
    messageId: headers.messageId,
    senderAgentDid: claims.sub,
    recipientAgentDid: headers.recipientAgentDid,
    correlationId: input.correlationId,
    priority: input.priority,
    ...(headers.conversationId ? { conversationId: headers.conversationId } : {}),
    ...(headers.replyTo ? { replyTo: headers.replyTo } : {}),
    ...(headers.traceparent ? { traceparent: headers.traceparent } : {}),
    ait: signed.ait,
    proofTimestamp: Number(timestamp),
    proof,
    payload: input.payload,
  };
  return toFederationOutbox(env, home.origin).enqueue({
    destination: home.origin,
    message,
    expiresAtMs: input.acceptedAtMs + config.relay.messageTtlMs,
  });
}
