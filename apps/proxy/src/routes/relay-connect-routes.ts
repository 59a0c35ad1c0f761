import { CLAW_HEADERS, RELAY_PATHS } from "@clawdentity/protocol";
import { AppError } from "@clawdentity/sdk/http";
import type { Hono, MiddlewareHandler } from "hono";
import type { ProxyEnv } from "../app-env";
import { toRelaySession } from "../relay-sessions";
import { SESSION_AGENT_HEADER, SESSION_JTI_HEADER } from "../session";

/** PROTOCOL.md §5: the agent's WebSocket to its own relay session, authenticated like any other request. */
export function registerRelayConnectRoutes(app: Hono<ProxyEnv>, deps: { auth: MiddlewareHandler<ProxyEnv> }): void {
  const { auth } = deps;

  const requireUpgrade: MiddlewareHandler<ProxyEnv> = async function requireWebSocketUpgrade(c, next) {
    if (c.req.header("upgrade")?.toLowerCase() !== "websocket") {
      throw new AppError("PROXY_UPGRADE_REQUIRED", 426, "connect with a WebSocket upgrade", undefined, {
        upgrade: "websocket",
      });
    }
    await next();
  };

  app.get(RELAY_PATHS.connect, requireUpgrade, auth, async (c) => {
    const agent = c.get("agent");
    const headers = new Headers({
      upgrade: "websocket",
      [SESSION_AGENT_HEADER]: agent.did,
      [SESSION_JTI_HEADER]: agent.jti,
    });
    const version = c.req.header(CLAW_HEADERS.relayProtocol);
    if (version) headers.set(CLAW_HEADERS.relayProtocol, version);
    return toRelaySession(c.env, agent.did).fetch("https://relay-session/connect", { headers });
  });
}
