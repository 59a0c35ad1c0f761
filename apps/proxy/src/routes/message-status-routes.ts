import { RELAY_PATHS, ulidSchema } from "@clawdentity/protocol";
import { AppError } from "@clawdentity/sdk/http";
import type { Hono, MiddlewareHandler } from "hono";
import type { ProxyEnv } from "../app-env";
import { toRelaySession } from "../relay-sessions";

/** PROTOCOL.md §4.6: the status and timeline of a message the caller sent, from the caller's own session. */
export function registerMessageStatusRoutes(app: Hono<ProxyEnv>, deps: { auth: MiddlewareHandler<ProxyEnv> }): void {
  app.get(`${RELAY_PATHS.messages}/:messageId`, deps.auth, async (c) => {
    const messageId = ulidSchema.parse(c.req.param("messageId"));
    const status = await toRelaySession(c.env, c.get("agent").did).getMessageStatus(messageId);
    if (!status) throw new AppError("PROXY_MESSAGE_NOT_FOUND", 404, "this agent sent no message with that id");
    return c.json(status);
  });
}
