import { agentDidSchema, RELAY_PATHS, type TrustPeer } from "@clawdentity/protocol";
import { AppError } from "@clawdentity/sdk/http";
import type { Hono, MiddlewareHandler } from "hono";
import type { ProxyEnv } from "../app-env";
import type { ProxySigner } from "../federation";
import { toRelaySession } from "../relay-sessions";
import { toSignedAgentRequest } from "./relayed-agent-request";
import { unpairAtPeer } from "./remote-pairing";

/**
 * The caller's trusted peers; removing one ends the pairing on both sides. A peer at home on another
 * proxy is told through that proxy (PROTOCOL.md §11.7); the removal here stands even when it cannot be.
 */
export function registerTrustRoutes(
  app: Hono<ProxyEnv>,
  deps: { auth: MiddlewareHandler<ProxyEnv>; signer: ProxySigner | null },
): void {
  const { auth } = deps;

  app.get(RELAY_PATHS.trustPeers, auth, async (c) => {
    const peers: TrustPeer[] = await toRelaySession(c.env, c.get("agent").did).listTrustedPeers();
    return c.json({ peers });
  });

  app.delete(`${RELAY_PATHS.trustPeers}/:did`, auth, async (c) => {
    const peerDid = agentDidSchema.parse(c.req.param("did"));
    const agentDid = c.get("agent").did;
    const removed = await toRelaySession(c.env, agentDid).removeTrustedPeer(peerDid);
    if (!removed) throw new AppError("PROXY_PEER_NOT_FOUND", 404, "that agent is not a trusted peer");
    if (removed.peerOrigin === null) {
      await toRelaySession(c.env, peerDid).removeTrustedPeer(agentDid);
      return c.body(null, 204);
    }
    const report = await unpairAtPeer({
      signer: deps.signer,
      peerOrigin: removed.peerOrigin,
      unpair: toSignedAgentRequest(c.req.raw, c.get("rawBody")),
    });
    return report ? c.json(report, 200) : c.body(null, 204);
  });
}
