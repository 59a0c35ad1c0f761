import { RELAY_PATHS, ulidSchema } from "@clawdentity/protocol";
import { AppError } from "@clawdentity/sdk/http";
import type { Hono } from "hono";
import type { ProxyEnv } from "../app-env";
import { askPeerProxyTimeline } from "../federation";
import { toRelaySession } from "../relay-sessions";
import type { FederatedAgentRouteDeps } from "./agent-route-deps";

/**
 * PROTOCOL.md §4.6: the status and timeline of a message the caller sent, from the caller's own
 * session, with the recipient's home proxy's timeline when that is another proxy (§11.9).
 */
export function registerMessageStatusRoutes(app: Hono<ProxyEnv>, deps: FederatedAgentRouteDeps): void {
  app.get(`${RELAY_PATHS.messages}/:messageId`, deps.auth, async (c) => {
    const messageId = ulidSchema.parse(c.req.param("messageId"));
    const status = await toRelaySession(c.env, c.get("agent").did).getMessageStatus(messageId);
    if (!status) throw new AppError("PROXY_MESSAGE_NOT_FOUND", 404, "this agent sent no message with that id");
    const peerProxy = await askPeerProxyTimeline(
      { config: deps.config, registry: deps.registry(c.env), signer: deps.signer },
      status,
    );
    return c.json(peerProxy ? { ...status, peerProxy } : status);
  });
}
