import {
  CLAW_HEADERS,
  DEFAULT_PRIORITY,
  PRIORITY_RANK,
  prioritySchema,
  RELAY_BATCH_LIMITS,
  RELAY_PATHS,
  type RelayBatchMessageResult,
  type RelayBatchRefusal,
  type RelayMessageBatchRequest,
  type RelayMessageBatchResponse,
  type RelayMessageHeaders,
  relayBatchMessageSchema,
  relayMessageBatchRequestSchema,
} from "@clawdentity/protocol";
import { type Clock, encodeUtf8, hashBodySha256 } from "@clawdentity/sdk";
import { AppError, parseJsonBytes } from "@clawdentity/sdk/http";
import type { Hono } from "hono";
import type { ProxyEnv } from "../app-env";
import { type AuthMiddlewareOptions, createAuthMiddleware } from "../auth";
import type { ProxyConfig } from "../config";
import { type SignedMessage, toSignedMessage } from "../federation";
import { toPayloadText } from "./message-admission";
import { type RelayItem, relayMessages } from "./relay-intake";
import { assertJsonContentType } from "./relay-message-routes";

/** An item's refusal in a batch answer: what the single route would have answered for it alone. */
export function toBatchRefusal(error: AppError): RelayBatchRefusal {
  const retryAfter = Number(error.headers?.[CLAW_HEADERS.retryAfter]);
  return {
    outcome: "refused",
    httpStatus: error.status,
    code: error.code,
    message: error.message,
    ...(error.details === undefined ? {} : { details: error.details }),
    ...(Number.isInteger(retryAfter) && retryAfter >= 0 ? { retryAfterSeconds: retryAfter } : {}),
  };
}

/** The body is parsed once: for the rate tokens it wants at admission, then by the route. */
const parsedBodies = new WeakMap<Uint8Array, RelayMessageBatchRequest>();
function parseBatchBody(body: Uint8Array): RelayMessageBatchRequest {
  let parsed = parsedBodies.get(body);
  if (!parsed) {
    parsed = parseJsonBytes(body, relayMessageBatchRequestSchema);
    parsedBodies.set(body, parsed);
  }
  return parsed;
}

/** The messageId an item names, for its result even when the item is malformed. */
const toItemMessageId = (item: unknown): string => {
  const messageId = (item as { messageId?: unknown } | null)?.messageId;
  return typeof messageId === "string" && messageId.length <= 200 ? messageId : "";
};

/** The checks of §4.3 on one item (its fields, then its payload); a refusal concerns this item alone. */
async function toRelayItem(
  item: unknown,
  signed: SignedMessage,
  maxPayloadBytes: number,
): Promise<RelayItem | AppError> {
  const parsed = relayBatchMessageSchema.safeParse(item);
  if (!parsed.success) {
    const details = parsed.error.issues.map((issue) => ({ path: issue.path.join("."), message: issue.message }));
    return new AppError("PROXY_VALIDATION_FAILED", 400, "the message failed validation", details);
  }
  const message = parsed.data;
  const { payload: text, proof } = message;
  const headers: RelayMessageHeaders = {
    recipientAgentDid: message.recipientAgentDid,
    messageId: message.messageId,
    correlationId: message.correlationId,
    priority: message.priority,
    conversationId: message.conversationId,
    replyTo: message.replyTo,
    traceparent: message.traceparent,
  };
  try {
    const bytes = encodeUtf8(text);
    if (bytes.byteLength > maxPayloadBytes) {
      return new AppError("PROXY_PAYLOAD_TOO_LARGE", 413, `the payload is past ${maxPayloadBytes} bytes`);
    }
    const payload = toPayloadText(bytes);
    // §11.4: each message carries its own proof over its own payload; the hash is only needed to forward it.
    const itemSigned = proof ? { ...signed, proof, bodyHash: await hashBodySha256(bytes) } : { ...signed, proof: null };
    return { headers, payload, signed: itemSigned };
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
}

/**
 * The messages past the rate tokens the sender had left are refused one by one (`429`), the most
 * urgent kept first (critical, then normal, then low, each in the order sent).
 */
function findRateLimited(messages: unknown[], granted: number): Set<number> {
  const byUrgency = messages
    .map((message, index) => {
      const priority = prioritySchema.safeParse((message as { priority?: unknown } | null)?.priority).data;
      return { index, rank: PRIORITY_RANK[priority ?? DEFAULT_PRIORITY] };
    })
    .sort((a, b) => a.rank - b.rank || a.index - b.index);
  return new Set(byUrgency.slice(granted).map(({ index }) => index));
}

/**
 * PROTOCOL.md §4.3.1 `POST /v1/relay/messages/batch`: many messages in one signed request, each
 * with its own outcome; `200` once every accepted one is stored in its recipient's session.
 */
export function registerRelayBatchRoutes(
  app: Hono<ProxyEnv>,
  deps: { config: ProxyConfig; clock: Clock; registry: AuthMiddlewareOptions["registry"] },
): void {
  const { config, clock, registry } = deps;
  const auth = createAuthMiddleware({
    config,
    clock,
    registry,
    maxBodyBytes: RELAY_BATCH_LIMITS.maxMessageBatchBytes,
    rateTokens: (body) => parseBatchBody(body).messages.length,
  });

  app.post(RELAY_PATHS.messagesBatch, auth, async (c) => {
    assertJsonContentType(c.req.header("content-type"));
    const { messages } = parseBatchBody(c.get("rawBody"));
    const shortfall = c.get("rateShortfall");
    const limited = shortfall ? findRateLimited(messages, shortfall.granted) : new Set<number>();
    const signed = toSignedMessage(c.req.raw);
    const checked = await Promise.all(
      messages.map((message, index) =>
        limited.has(index)
          ? new AppError("PROXY_RATE_LIMITED", 429, "sender rate limit reached", undefined, {
              [CLAW_HEADERS.retryAfter]: String(shortfall?.retryAfterSeconds ?? 1),
            })
          : toRelayItem(message, signed, config.maxPayloadBytes),
      ),
    );
    const items = checked.filter((item): item is RelayItem => !(item instanceof AppError));
    const outcomes = await relayMessages(
      {
        env: c.env,
        config,
        registry: registry(c.env),
        claims: c.get("agent").claims,
        acceptedAtMs: clock.nowMs(),
        waitUntil: (work) => c.executionCtx.waitUntil(work),
      },
      items,
    );

    let next = 0;
    const results = checked.map((item, index): RelayBatchMessageResult => {
      const messageId = toItemMessageId(messages[index]);
      if (item instanceof AppError) return { ...toBatchRefusal(item), messageId };
      const outcome = outcomes[next++];
      if (!outcome) throw new Error("no outcome for a relayed message");
      if (!outcome.ok) return { ...toBatchRefusal(outcome.error), messageId };
      const { correlationId, state, queueDepth } = outcome;
      return { outcome: "accepted", messageId, correlationId, state, queueDepth };
    });
    const body: RelayMessageBatchResponse = { results };
    return c.json(body, 200);
  });
}
