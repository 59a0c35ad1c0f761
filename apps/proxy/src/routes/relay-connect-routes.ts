import { CLAW_HEADERS, RELAY_PATHS } from "@clawdentity/protocol";
import { AppError } from "@clawdentity/sdk/http";
import type { Hono, MiddlewareHandler } from "hono";
import type { ProxyEnv } from "../app-env";
import { attestHome, toSignedConnect } from "../federation";
import { toRelaySession } from "../relay-sessions";
import { SESSION_AGENT_HEADER, SESSION_JTI_HEADER } from "../session";
import type { FederatedAgentRouteDeps } from "./agent-route-deps";

/** PROTOCOL.md §5: the agent's WebSocket to its own relay session, authenticated like any other request. */
export function registerRelayConnectRoutes(app: Hono<ProxyEnv>, deps: FederatedAgentRouteDeps): void {
  const { auth, config, signer } = deps;

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
    const response = await toRelaySession(c.env, agent.did).fetch("https://relay-session/connect", { headers });
    const connect = toSignedConnect(c.req.raw);
    if (signer && connect && response.status === 101) {
      // The socket never waits for the registry: the attestation runs after the answer.
      c.executionCtx.waitUntil(
        attestHome({
          signer,
          registryIssuer: config.registryIssuer,
          registryUrl: config.registryUrl,
          fetchRegistry: deps.registry(c.env).fetch,
          connect,
        }),
      );
    }
    return response;
  });
}
