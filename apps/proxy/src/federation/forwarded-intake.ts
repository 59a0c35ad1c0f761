import type { FederationMessage, FederationMessageResult } from "@clawdentity/protocol";
import { ClawAuthError, type Clock, encodeUtf8, toNowSeconds, verifyFederatedMessage } from "@clawdentity/sdk";
import { AppError } from "@clawdentity/sdk/http";
import type { RegistryClient } from "../auth";
import type { ProxyConfig } from "../config";
import { toRelaySession } from "../relay-sessions";
import { toEnqueueError, toPayloadText } from "../routes/message-admission";

/** Codes the sending outbox should try again later; every other refusal is final (PROTOCOL.md §11.4). */
const RETRY_CODES = new Set([
  "PROXY_RATE_LIMITED",
  "PROXY_QUEUE_FULL",
  "PROXY_AUTH_KEYS_UNAVAILABLE",
  "PROXY_AUTH_CRL_UNAVAILABLE",
]);

function toRefusal(message: FederationMessage, error: unknown): FederationMessageResult {
  const base = { messageId: message.messageId, senderAgentDid: message.senderAgentDid };
  let code: string;
  let retryAfterSeconds: number | undefined;
  if (error instanceof ClawAuthError) {
    const proofProblem = error.reason === "INVALID_PROOF" || error.reason === "TIMESTAMP_SKEW";
    code = proofProblem ? "PROXY_MESSAGE_PROOF_INVALID" : `PROXY_AUTH_${error.reason}`;
  } else if (error instanceof AppError) {
    code = error.code;
    const retryAfter = Number(error.headers?.["retry-after"]);
    if (Number.isFinite(retryAfter) && retryAfter >= 0) retryAfterSeconds = retryAfter;
  } else {
    throw error;
  }
  return {
    ...base,
    outcome: RETRY_CODES.has(code) ? "retry" : "refused",
    code,
    ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }),
  };
}

/**
 * One forwarded message, checked end to end (the sender's AIT as of its proof, the proof over this
 * recipient, messageId and payload, the AIT neither on the CRL nor revoked by a registry event) and
 * then stored in the recipient's relay session exactly like a local relay: the same dedupe, trust,
 * limits, priorities and TTL.
 */
export async function takeForwardedMessage(
  deps: { env: Env; config: ProxyConfig; clock: Clock; registry: RegistryClient },
  message: FederationMessage,
): Promise<FederationMessageResult> {
  const { env, config, clock, registry } = deps;
  try {
    const bytes = encodeUtf8(message.payload);
    if (bytes.byteLength > config.maxPayloadBytes) {
      throw new AppError("PROXY_PAYLOAD_TOO_LARGE", 413, "the payload is past the relay's limit");
    }
    const payload = toPayloadText(bytes);
    const claims = await verifyFederatedMessage({
      message,
      keys: registry.keys,
      nowSeconds: toNowSeconds(clock),
      issuer: config.registryIssuer,
    });
    if (await registry.crl.findRevocation(claims.jti)) {
      throw new ClawAuthError("AGENT_REVOKED", "the sender's AIT is on the registry's revocation list");
    }
    // The event feed reaches the sender's session here within a poll, sooner than a CRL refresh.
    if (await toRelaySession(env, message.senderAgentDid).findRevocation(claims.jti)) {
      throw new ClawAuthError("AGENT_REVOKED", "the sender is revoked (registry event)");
    }
    const result = await toRelaySession(env, message.recipientAgentDid).enqueue({
      senderDid: message.senderAgentDid,
      messageId: message.messageId,
      correlationId: message.correlationId,
      priority: message.priority,
      payload,
      acceptedAtMs: clock.nowMs(),
      ...(message.conversationId ? { conversationId: message.conversationId } : {}),
      ...(message.replyTo ? { replyTo: message.replyTo } : {}),
      ...(message.traceparent ? { traceparent: message.traceparent } : {}),
    });
    if (!result.ok) throw toEnqueueError(result);
    return { messageId: message.messageId, senderAgentDid: message.senderAgentDid, outcome: result.state };
  } catch (error) {
    return toRefusal(message, error);
  }
}
