import {
  agentDidSchema,
  FEDERATION_PAIRING_MAX_BYTES,
  FEDERATION_PAIRING_PATHS,
  type FederationPairingConfirmResponse,
  federationPairingConfirmSchema,
  federationUnpairSchema,
  pairingConfirmRequestSchema,
  RELAY_PATHS,
} from "@clawdentity/protocol";
import { ClawAuthError, encodeUtf8 } from "@clawdentity/sdk";
import { AppError, parseJsonBytes } from "@clawdentity/sdk/http";
import type { Hono } from "hono";
import type { ProxyEnv } from "../app-env";
import { type FederationRouteDeps, readFederationRequest } from "../federation";
import { toRelaySession } from "../relay-sessions";
import type { PairingTickets } from "./pairing-ticket";
import { redeemTicket } from "./redeem-ticket";
import { verifyRelayedAgentRequest } from "./relayed-agent-request";

const TRUST_PEER_PATH_PREFIX = `${RELAY_PATHS.trustPeers}/`;

/** The peer an agent's `DELETE /v1/trust/peers/:did` names, read from the path it signed. */
function toUnpairedDid(pathWithQuery: string): string {
  const segment = pathWithQuery.startsWith(TRUST_PEER_PATH_PREFIX)
    ? pathWithQuery.slice(TRUST_PEER_PATH_PREFIX.length)
    : "";
  let did: string;
  try {
    did = decodeURIComponent(segment);
  } catch {
    did = "";
  }
  const parsed = agentDidSchema.safeParse(did);
  if (!parsed.success) throw new ClawAuthError("INVALID_PROOF", "the relayed request is not an unpairing");
  return parsed.data;
}

/**
 * PROTOCOL.md §11.7 on the proxy another proxy relays an agent's pairing request to. The agent's own
 * signed request is the evidence (a proxy cannot make one up); the signing proxy is recorded as the
 * agent's proxy, where an unpairing from this side is sent.
 */
export function registerFederationPairingRoutes(
  app: Hono<ProxyEnv>,
  deps: FederationRouteDeps & { tickets: () => Promise<PairingTickets> },
): void {
  const { config, clock } = deps;

  app.post(FEDERATION_PAIRING_PATHS.confirm, async (c) => {
    const { origin, body } = await readFederationRequest(c, deps, {
      schema: federationPairingConfirmSchema,
      maxBytes: FEDERATION_PAIRING_MAX_BYTES,
    });
    const registry = deps.registry(c.env);
    const peer = await verifyRelayedAgentRequest(
      { config, clock, registry },
      { method: "POST", path: RELAY_PATHS.pairingConfirm, request: body.confirm },
    );
    // The confirm's limits are the peer's, for its own row at its proxy; only the ticket matters here.
    const { ticket } = parseJsonBytes(encodeUtf8(body.confirm.body), pairingConfirmRequestSchema);
    const claims = await redeemTicket({
      env: c.env,
      tickets: await deps.tickets(),
      nowMs: clock.nowMs(),
      ticket,
      peerDid: peer.sub,
      peerOrigin: origin,
    });
    const answer: FederationPairingConfirmResponse = { initiatorAgentDid: claims.sub, ticketId: claims.jti };
    return c.json(answer, 201);
  });

  app.post(FEDERATION_PAIRING_PATHS.unpair, async (c) => {
    const { body } = await readFederationRequest(c, deps, {
      schema: federationUnpairSchema,
      maxBytes: FEDERATION_PAIRING_MAX_BYTES,
    });
    const peerDid = toUnpairedDid(body.unpair.pathWithQuery);
    const remover = await verifyRelayedAgentRequest(
      { config, clock, registry: deps.registry(c.env) },
      { method: "DELETE", path: body.unpair.pathWithQuery, request: body.unpair },
    );
    const removed = await toRelaySession(c.env, peerDid).removeTrustedPeer(remover.sub);
    if (!removed) throw new AppError("PROXY_PEER_NOT_FOUND", 404, "that agent is not a trusted peer");
    return c.body(null, 204);
  });
}
