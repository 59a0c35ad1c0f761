import {
  agentDidSchema,
  olderThanSchema,
  RELAY_PATHS,
  type RelayDeadLetterPurgeResponse,
  type RelayDeadLetterRetryResponse,
  resolveOlderThan,
  ulidSchema,
} from "@clawdentity/protocol";
import type { Clock } from "@clawdentity/sdk";
import { AppError } from "@clawdentity/sdk/http";
import type { Hono, MiddlewareHandler } from "hono";
import { z } from "zod";
import type { ProxyEnv } from "../app-env";
import { toRelaySession } from "../relay-sessions";

const listQuerySchema = z.object({ limit: z.coerce.number().int().min(1).max(500).default(100) });
const retryQuerySchema = z.object({ senderAgentDid: agentDidSchema.optional() });
const purgeQuerySchema = z.object({ olderThan: olderThanSchema.optional() });

/**
 * The caller's dead letters held by its relay session (messages TO it the relay gave up on):
 * list newest first, put one back in the queue, purge by age. Retention (7 days) is the alarm's.
 */
export function registerDeadLetterRoutes(
  app: Hono<ProxyEnv>,
  deps: { auth: MiddlewareHandler<ProxyEnv>; clock: Clock },
): void {
  const { auth, clock } = deps;

  app.get(RELAY_PATHS.deadLetters, auth, async (c) => {
    const { limit } = listQuerySchema.parse(c.req.query());
    const deadLetters = await toRelaySession(c.env, c.get("agent").did).listDeadLetters(limit);
    return c.json({ deadLetters });
  });

  app.post(`${RELAY_PATHS.deadLetters}/:messageId/retry`, auth, async (c) => {
    const messageId = ulidSchema.parse(c.req.param("messageId"));
    const { senderAgentDid } = retryQuerySchema.parse(c.req.query());
    const result = await toRelaySession(c.env, c.get("agent").did).retryDeadLetter(messageId, senderAgentDid);
    if (!result.ok) {
      if (result.refusal === "queue_full") {
        throw new AppError("PROXY_QUEUE_FULL", 507, "the queue is full; retry the dead letter later", {
          scope: "recipient_capacity",
        });
      }
      throw new AppError("PROXY_DEAD_LETTER_NOT_FOUND", 404, "no dead letter with that messageId");
    }
    const body: RelayDeadLetterRetryResponse = {
      messageId,
      senderAgentDid: result.senderDid,
      state: "queued",
      queueDepth: result.queueDepth,
    };
    return c.json(body);
  });

  app.delete(RELAY_PATHS.deadLetters, auth, async (c) => {
    const { olderThan } = purgeQuerySchema.parse(c.req.query());
    const nowMs = clock.nowMs();
    const cutoffMs = olderThan === undefined ? nowMs : resolveOlderThan(olderThan, nowMs);
    const purged = await toRelaySession(c.env, c.get("agent").did).purgeDeadLetters(cutoffMs);
    const body: RelayDeadLetterPurgeResponse = { purged };
    return c.json(body);
  });
}
