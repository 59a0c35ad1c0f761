import {
  type PairingConfirmResponse,
  type PairingTicketResponse,
  pairingConfirmRequestSchema,
  pairingTicketRequestSchema,
  RELAY_PATHS,
} from "@clawdentity/protocol";
import { type Clock, toIsoTimestamp } from "@clawdentity/sdk";
import { parseJsonBytes } from "@clawdentity/sdk/http";
import type { Hono, MiddlewareHandler } from "hono";
import type { ProxyEnv } from "../app-env";
import type { RegistryClient } from "../auth";
import type { ProxyConfig } from "../config";
import type { ProxySigner } from "../federation";
import { toRelaySession } from "../relay-sessions";
import { type PairingTickets, readTicketClaims } from "./pairing-ticket";
import { redeemTicket } from "./redeem-ticket";
import { toSignedAgentRequest } from "./relayed-agent-request";
import { confirmAtIssuer } from "./remote-pairing";

/** Ticket requests and confirmations are small; anything larger is refused before parsing. */
export const PAIRING_MAX_BODY_BYTES = 8 * 1024;

/**
 * Mutual trust: the initiator gets a signed one-time ticket, the peer confirms it. The ticket's
 * single use is recorded in the initiator's session together with its trust row; then the peer's
 * session trusts the initiator. A confirm that failed half-way can be sent again by the same peer.
 * Each side sets limits only on what the OTHER sends to it (it bears that cost): the ticket's
 * limits go into the initiator's row for the peer, the confirm's into the peer's row for the
 * initiator; each session caps them at the operator's maxima. A ticket another proxy issued is
 * redeemed there first (PROTOCOL.md §11.7).
 */
export function registerPairingRoutes(
  app: Hono<ProxyEnv>,
  deps: {
    config: ProxyConfig;
    clock: Clock;
    auth: MiddlewareHandler<ProxyEnv>;
    tickets: () => Promise<PairingTickets>;
    registry: (env: Env) => RegistryClient;
    signer: ProxySigner | null;
  },
): void {
  const { config, clock, auth, tickets } = deps;

  app.post(RELAY_PATHS.pairingTickets, auth, async (c) => {
    const input = parseJsonBytes(c.get("rawBody"), pairingTicketRequestSchema.nullable()) ?? {};
    const nowMs = clock.nowMs();
    const { ticket, claims } = await (await tickets()).issue({
      initiatorDid: c.get("agent").did,
      nowMs,
      ttlSeconds: input.ttlSeconds ?? config.pairingTicketTtlSeconds,
      ...input,
    });
    const body: PairingTicketResponse = {
      ticket,
      initiatorAgentDid: claims.sub,
      expiresAt: toIsoTimestamp(claims.exp * 1000),
    };
    return c.json(body, 201);
  });

  app.post(RELAY_PATHS.pairingConfirm, auth, async (c) => {
    const { ticket, ...peerLimits } = parseJsonBytes(c.get("rawBody"), pairingConfirmRequestSchema);
    const peerDid = c.get("agent").did;
    // Only routed on here: the issuer verifies the ticket.
    const routed = readTicketClaims(ticket);
    let initiator: { did: string; ticketId: string; origin?: string };
    if (routed?.iss && routed.iss !== config.federation.origin) {
      const confirmed = await confirmAtIssuer({
        signer: deps.signer,
        registry: deps.registry(c.env),
        claims: { ...routed, iss: routed.iss },
        confirm: toSignedAgentRequest(c.req.raw, c.get("rawBody")),
      });
      initiator = { did: confirmed.initiatorAgentDid, ticketId: confirmed.ticketId, origin: routed.iss };
    } else {
      const claims = await redeemTicket({
        env: c.env,
        tickets: await tickets(),
        nowMs: clock.nowMs(),
        ticket,
        peerDid,
      });
      initiator = { did: claims.sub, ticketId: claims.jti };
    }
    const peer = await toRelaySession(c.env, peerDid).addTrustedPeer({
      peerDid: initiator.did,
      ticketId: initiator.ticketId,
      ...peerLimits,
      ...(initiator.origin ? { peerOrigin: initiator.origin } : {}),
    });
    const body: PairingConfirmResponse = { peer };
    return c.json(body, 201);
  });
}
