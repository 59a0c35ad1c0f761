import type { PairingTicketClaims } from "@clawdentity/protocol";
import { AppError } from "@clawdentity/sdk/http";
import { toRelaySession } from "../relay-sessions";
import type { PairingTickets } from "./pairing-ticket";

/**
 * The initiator's half of a confirm, on the proxy that issued the ticket: the ticket verified, its
 * single use recorded in the initiator's session with the initiator's row for the peer (the
 * ticket's limits). The same peer may redeem again and gets the same answer, so a confirm that
 * failed half-way can be retried. `peerOrigin`: the peer's proxy when it is another one.
 */
export async function redeemTicket(input: {
  env: Env;
  tickets: PairingTickets;
  nowMs: number;
  ticket: string;
  peerDid: string;
  peerOrigin?: string;
}): Promise<PairingTicketClaims> {
  const { peerDid } = input;
  const claims = await input.tickets.verify(input.ticket, input.nowMs);
  if (claims.sub === peerDid) throw new AppError("PROXY_PAIRING_SELF", 400, "an agent cannot pair with itself");
  const redeemed = await toRelaySession(input.env, claims.sub).redeemPairingTicket({
    ticketId: claims.jti,
    peerDid,
    ticketExpiresAtMs: claims.exp * 1000,
    ...(claims.rateLimitPerMinute ? { rateLimitPerMinute: claims.rateLimitPerMinute } : {}),
    ...(claims.queueQuota ? { queueQuota: claims.queueQuota } : {}),
    ...(input.peerOrigin ? { peerOrigin: input.peerOrigin } : {}),
  });
  if (!redeemed.ok) {
    if (redeemed.refusal === "ticket_used") {
      throw new AppError("PROXY_PAIRING_TICKET_USED", 409, "pairing ticket was already used");
    }
    throw new AppError("PROXY_PAIRING_TICKET_INVALID", 400, "the ticket's initiator can no longer pair");
  }
  return claims;
}
