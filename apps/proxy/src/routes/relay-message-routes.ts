import {
  CLAW_HEADERS,
  DEFAULT_PRIORITY,
  findJsonStructureProblem,
  JSON_STRUCTURE_LIMITS,
  parseRelayMessageHeaders,
  RELAY_PATHS,
  type RelayAcceptedResponse,
} from "@clawdentity/protocol";
import { AppError } from "@clawdentity/sdk/http";
import type { Hono } from "hono";
import type { ProxyEnv } from "../app-env";
import type { AuthMiddlewareOptions } from "../auth";
import { createAuthMiddleware } from "../auth";
import type { Clock } from "../clock";
import type { ProxyConfig } from "../config";
import { toRelaySession } from "../relay-sessions";
import type { EnqueueResult, SentMessageInput } from "../session";

const JSON_CONTENT_TYPE = /^application\/([a-z0-9.+-]+\+)?json\s*(;|$)/i;

/**
 * The payload must be UTF-8 JSON within the structural limits (measured before it is parsed);
 * it is stored and delivered as the exact text that was signed.
 */
function toPayloadText(bytes: Uint8Array): string {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw new AppError("PROXY_BAD_REQUEST", 400, "the payload must be a UTF-8 JSON document");
  }
  const problem = findJsonStructureProblem(text);
  if (problem) {
    const { maxDepth, maxValues } = JSON_STRUCTURE_LIMITS;
    throw new AppError(
      "PROXY_PAYLOAD_TOO_COMPLEX",
      400,
      problem === "depth"
        ? `the payload nests deeper than ${maxDepth} levels`
        : `the payload has over ${maxValues} values`,
      { limit: problem, maxDepth, maxValues },
    );
  }
  try {
    JSON.parse(text);
  } catch {
    throw new AppError("PROXY_BAD_REQUEST", 400, "the payload must be a UTF-8 JSON document");
  }
  return text;
}

function toEnqueueError(result: Extract<EnqueueResult, { ok: false }>): AppError {
  switch (result.refusal) {
    case "recipient_not_found":
      return new AppError("PROXY_RECIPIENT_NOT_FOUND", 404, "no agent with that DID has connected to this proxy");
    case "recipient_revoked":
      return new AppError("PROXY_RECIPIENT_REVOKED", 403, "the recipient agent is revoked");
    case "sender_not_trusted":
      return new AppError("PROXY_SENDER_NOT_TRUSTED", 403, "the recipient has not paired with the sender");
    case "queue_full":
      return new AppError("PROXY_QUEUE_FULL", 507, "the recipient's queue is full", { scope: result.detail });
    case "rate_limited":
      return new AppError(
        "PROXY_RATE_LIMITED",
        429,
        "the recipient's limit on this sender is reached",
        { scope: "pair" },
        { [CLAW_HEADERS.retryAfter]: String(result.retryAfterSeconds) },
      );
  }
}

/**
 * The sender's own timeline learns of the accept here. The message is already stored, so a failure
 * is logged, not thrown: the recipient's first delivery report creates the record as well.
 */
async function recordSent(env: Env, senderDid: string, input: SentMessageInput): Promise<void> {
  try {
    await toRelaySession(env, senderDid).recordSent(input);
  } catch (error) {
    console.warn("sender timeline not updated", { messageId: input.messageId, error: String(error) });
  }
}

/** PROTOCOL.md §4.3 `POST /v1/relay/messages`: 202 as soon as the recipient's session stored the message. */
export function registerRelayMessageRoutes(
  app: Hono<ProxyEnv>,
  deps: { config: ProxyConfig; clock: Clock; registry: AuthMiddlewareOptions["registry"] },
): void {
  const { config, clock, registry } = deps;
  const auth = createAuthMiddleware({
    config,
    clock,
    registry,
    maxBodyBytes: config.maxPayloadBytes,
    rateLimited: true,
  });

  app.post(RELAY_PATHS.messages, auth, async (c) => {
    const headers = parseRelayMessageHeaders(c.req.raw.headers);
    if (!JSON_CONTENT_TYPE.test(c.req.header("content-type") ?? "")) {
      throw new AppError("PROXY_UNSUPPORTED_MEDIA_TYPE", 415, "the payload must be sent as application/json");
    }
    const payload = toPayloadText(c.get("rawBody"));

    const correlationId = headers.correlationId ?? headers.messageId;
    const priority = headers.priority ?? DEFAULT_PRIORITY;
    const senderDid = c.get("agent").did;
    const acceptedAtMs = clock.nowMs();
    const result = await toRelaySession(c.env, headers.recipientAgentDid).enqueue({
      senderDid,
      messageId: headers.messageId,
      correlationId,
      priority,
      payload,
      acceptedAtMs,
      ...(headers.conversationId ? { conversationId: headers.conversationId } : {}),
      ...(headers.replyTo ? { replyTo: headers.replyTo } : {}),
      ...(headers.traceparent ? { traceparent: headers.traceparent } : {}),
    });
    if (!result.ok) throw toEnqueueError(result);
    // The 202 does not wait for the sender's own timeline (its session is written after the answer).
    c.executionCtx.waitUntil(
      recordSent(c.env, senderDid, {
        messageId: headers.messageId,
        recipientDid: headers.recipientAgentDid,
        correlationId: result.correlationId,
        priority,
        acceptedAtMs,
      }),
    );

    const body: RelayAcceptedResponse = {
      messageId: headers.messageId,
      correlationId: result.correlationId,
      state: result.state,
      queueDepth: result.queueDepth,
    };
    c.header(CLAW_HEADERS.correlationId, result.correlationId);
    if (headers.traceparent) c.header(CLAW_HEADERS.traceparent, headers.traceparent);
    return c.json(body, 202);
  });
}
