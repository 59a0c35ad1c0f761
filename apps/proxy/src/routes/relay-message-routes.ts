import {
  CLAW_HEADERS,
  DEFAULT_PRIORITY,
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
import { forwardToHome } from "../federation";
import { toRelaySession } from "../relay-sessions";
import type { SentMessageInput } from "../session";
import { toEnqueueError, toPayloadText } from "./message-admission";

const JSON_CONTENT_TYPE = /^application\/([a-z0-9.+-]+\+)?json\s*(;|$)/i;

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
    const local = await toRelaySession(c.env, headers.recipientAgentDid).enqueue({
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
    // A recipient never seen here may be at home on another proxy: stored in its outbox instead.
    const forwarded =
      !local.ok && local.refusal === "recipient_not_found"
        ? await forwardToHome({
            env: c.env,
            config,
            registry: registry(c.env),
            request: c.req.raw,
            claims: c.get("agent").claims,
            headers,
            correlationId,
            priority,
            payload,
            acceptedAtMs,
          })
        : null;
    const result = forwarded ? { ok: true as const, ...forwarded } : local;
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
