import { CLAW_HEADERS, parseRelayMessageHeaders, RELAY_PATHS, type RelayAcceptedResponse } from "@clawdentity/protocol";
import type { Clock } from "@clawdentity/sdk";
import { AppError } from "@clawdentity/sdk/http";
import type { Hono } from "hono";
import type { ProxyEnv } from "../app-env";
import type { AuthMiddlewareOptions } from "../auth";
import { createAuthMiddleware } from "../auth";
import type { ProxyConfig } from "../config";
import { toSignedMessage } from "../federation";
import { toPayloadText } from "./message-admission";
import { relayMessages } from "./relay-intake";

const JSON_CONTENT_TYPE = /^application\/([a-z0-9.+-]+\+)?json\s*(;|$)/i;

/** The relayed body (one payload, or a batch) must be sent as JSON. */
export function assertJsonContentType(contentType: string | undefined): void {
  if (!JSON_CONTENT_TYPE.test(contentType ?? "")) {
    throw new AppError("PROXY_UNSUPPORTED_MEDIA_TYPE", 415, "the payload must be sent as application/json");
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
    assertJsonContentType(c.req.header("content-type"));
    const payload = toPayloadText(c.get("rawBody"));
    const [outcome] = await relayMessages(
      {
        env: c.env,
        config,
        registry: registry(c.env),
        claims: c.get("agent").claims,
        acceptedAtMs: clock.nowMs(),
        waitUntil: (work) => c.executionCtx.waitUntil(work),
      },
      [{ headers, payload, signed: toSignedMessage(c.req.raw) }],
    );
    if (!outcome?.ok) throw outcome?.error ?? new Error("no outcome for the message");

    const body: RelayAcceptedResponse = {
      messageId: headers.messageId,
      correlationId: outcome.correlationId,
      state: outcome.state,
      queueDepth: outcome.queueDepth,
    };
    c.header(CLAW_HEADERS.correlationId, outcome.correlationId);
    if (headers.traceparent) c.header(CLAW_HEADERS.traceparent, headers.traceparent);
    return c.json(body, 202);
  });
}
