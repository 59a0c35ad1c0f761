import {
  type PairingConfirmResponse,
  type PairingTicketResponse,
  pairingConfirmRequestSchema,
  pairingTicketRequestSchema,
  RELAY_PATHS,
} from "@clawdentity/protocol";
import { AppError, parseJsonBytes } from "@clawdentity/sdk/http";
import type { Hono, MiddlewareHandler } from "hono";
import type { ProxyEnv } from "../app-env";
import { type Clock, toIsoTimestamp } from "../clock";
import type { ProxyConfig } from "../config";
import { toRelaySession } from "../relay-sessions";
import type { PairingTickets } from "./pairing-ticket";

/** Ticket requests and confirmations are small; anything larger is refused before parsing. */
export const PAIRING_MAX_BODY_BYTES = 8 * 1024;

/**
 * Mutual trust: the initiator gets a signed one-time ticket, the peer confirms it. The ticket's
 * single use is recorded in the initiator's session together with its trust row; then the peer's
 * session trusts the initiator. A confirm that failed half-way can be sent again by the same peer.
 * Each side sets limits only on what the OTHER sends to it (it bears that cost): the ticket's
 * limits go into the initiator's row for the peer, the confirm's into the peer's row for the
 * initiator; each session caps them at the operator's maxima.
 */
export function registerPairingRoutes(
  app: Hono<ProxyEnv>,
  deps: {
    config: ProxyConfig;
    clock: Clock;
    auth: MiddlewareHandler<ProxyEnv>;
    tickets: () => Promise<PairingTickets>;
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
    const claims = await (await tickets()).verify(ticket, clock.nowMs());
    const peerDid = c.get("agent").did;
    if (claims.sub === peerDid) throw new AppError("PROXY_PAIRING_SELF", 400, "an agent cannot pair with itself");
    const initiatorLimits = {
      ...(claims.rateLimitPerMinute ? { rateLimitPerMinute: claims.rateLimitPerMinute } : {}),
      ...(claims.queueQuota ? { queueQuota: claims.queueQuota } : {}),
    };
    const redeemed = await toRelaySession(c.env, claims.sub).redeemPairingTicket({
      ticketId: claims.jti,
      peerDid,
      ticketExpiresAtMs: claims.exp * 1000,
      ...initiatorLimits,
    });
    if (!redeemed.ok) {
      if (redeemed.refusal === "ticket_used") {
        throw new AppError("PROXY_PAIRING_TICKET_USED", 409, "pairing ticket was already used");
      }
      throw new AppError("PROXY_PAIRING_TICKET_INVALID", 400, "the ticket's initiator can no longer pair");
    }
    const initiator = await toRelaySession(c.env, peerDid).addTrustedPeer({
      peerDid: claims.sub,
      ticketId: claims.jti,
      ...peerLimits,
    });
    const body: PairingConfirmResponse = { peer: initiator };
    return c.json(body, 201);
  });
}
