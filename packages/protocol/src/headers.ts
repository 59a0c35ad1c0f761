/** HTTP header names of PROTOCOL.md §2–§5 and §8. Lower case, as the Fetch API reports them. */
export const CLAW_HEADERS = {
  authorization: "authorization",
  timestamp: "x-claw-timestamp",
  nonce: "x-claw-nonce",
  bodySha256: "x-claw-body-sha256",
  proof: "x-claw-proof",
  recipientAgentDid: "x-claw-recipient-agent-did",
  messageId: "x-claw-message-id",
  correlationId: "x-claw-correlation-id",
  priority: "x-claw-priority",
  conversationId: "x-claw-conversation-id",
  replyTo: "x-claw-reply-to",
  relayProtocol: "x-claw-relay-protocol",
  traceparent: "traceparent",
  idempotencyKey: "idempotency-key",
  requestId: "x-request-id",
  retryAfter: "retry-after",
  /** Connector → runtime webhook (Standard Webhooks, PROTOCOL.md §9): id, unix seconds, `v1,<HMAC>` list. */
  webhookId: "webhook-id",
  webhookTimestamp: "webhook-timestamp",
  webhookSignature: "webhook-signature",
  /** Proxy → registry over the service binding: the shared `REGISTRY_SERVICE_TOKEN`. */
  serviceToken: "x-clawdentity-service-token",
  /** Proxy-signed requests (PROTOCOL.md §11.2) and the sender's message proof (§11.4). */
  proxyOrigin: "x-claw-proxy-origin",
  audience: "x-claw-audience",
  proxySignature: "x-claw-proxy-signature",
  messageProof: "x-claw-message-proof",
} as const;

export const CLAW_AUTH_SCHEME = "Claw";
export const CLAW_PROOF_VERSION = "CLAW-PROOF-V1";
export const CLAW_PROOF_MAX_SKEW_SECONDS = 300;

export interface CanonicalRequestInput {
  method: string;
  pathWithQuery: string;
  timestamp: string;
  nonce: string;
  bodyHash: string;
}

/** The string the proof signs: version, METHOD, path+query as sent, timestamp, nonce, body hash. */
export function toCanonicalRequestString(input: CanonicalRequestInput): string {
  return [
    CLAW_PROOF_VERSION,
    input.method.toUpperCase(),
    input.pathWithQuery,
    input.timestamp,
    input.nonce,
    input.bodyHash,
  ].join("\n");
}
