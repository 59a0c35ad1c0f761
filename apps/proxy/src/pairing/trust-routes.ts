import { agentDidSchema, RELAY_PATHS, type TrustPeer } from "@clawdentity/protocol";
import { AppError } from "@clawdentity/sdk/http";
import type { Hono, MiddlewareHandler } from "hono";
import type { ProxyEnv } from "../app-env";
import { toRelaySession } from "../relay-sessions";

/** The caller's trusted peers; removing one ends the pairing on both sides. */
export function registerTrustRoutes(app: Hono<ProxyEnv>, deps: { auth: MiddlewareHandler<ProxyEnv> }): void {
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
    await toRelaySession(c.env, peerDid).removeTrustedPeer(agentDid);
    return c.body(null, 204);
  });
}
