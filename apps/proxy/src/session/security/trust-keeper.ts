import type { TrustPeer } from "@clawdentity/protocol";
import { toIsoTimestamp } from "@clawdentity/sdk";
import { toInboundRateScope, toMaxSenderQuota } from "../inbound";
import type { RelaySessionRuntime } from "../runtime";
import type {
  IdentityStore,
  PairingTicketStore,
  RateLimitStore,
  RevocationStore,
  TrustRecord,
  TrustStore,
} from "../stores";
import type { AddTrustedPeerInput, RedeemTicketInput, RedeemTicketResult } from "../types";

export const toTrustPeer = (record: TrustRecord): TrustPeer => ({
  agentDid: record.peerDid,
  pairedAt: toIsoTimestamp(record.pairedAtMs),
  ...(record.rateLimitPerMinute === null ? {} : { rateLimitPerMinute: record.rateLimitPerMinute }),
  ...(record.queueQuota === null ? {} : { queueQuota: record.queueQuota }),
});

/**
 * This session's side of pairing: one-time tickets it issued, and the peers it trusts with the
 * limits this agent set on what each may send to it, capped at the operator's maxima.
 */
export function createTrustKeeper(deps: {
  identity: IdentityStore;
  revocations: RevocationStore;
  trust: TrustStore;
  tickets: PairingTicketStore;
  rateLimits: RateLimitStore;
  runtime: RelaySessionRuntime;
}) {
  const { identity, revocations, trust, tickets, rateLimits, runtime } = deps;
  const capped = (requested: number | undefined, max: number) => (requested ? Math.min(requested, max) : null);

  const addPeer = (input: AddTrustedPeerInput, nowMs: number): TrustPeer => {
    const { settings } = runtime;
    const record: TrustRecord = {
      peerDid: input.peerDid,
      pairedAtMs: nowMs,
      rateLimitPerMinute: capped(input.rateLimitPerMinute, settings.senderRateLimitPerMinute),
      queueQuota: capped(input.queueQuota, toMaxSenderQuota(settings)),
      ticketId: input.ticketId,
      peerOrigin: input.peerOrigin ?? null,
    };
    trust.upsert(record);
    return toTrustPeer(record);
  };

  return {
    addPeer,
    /**
     * Uses the initiator's ticket once. The same peer redeeming it again gets the same answer,
     * so a confirm that failed half-way can be retried.
     */
    redeem(input: RedeemTicketInput, nowMs: number): RedeemTicketResult {
      if (!identity.get()) return { ok: false, refusal: "initiator_unknown" };
      if (revocations.isAgentRevoked()) return { ok: false, refusal: "initiator_revoked" };
      tickets.prune(nowMs);
      const redeemer = tickets.findRedeemer(input.ticketId);
      if (redeemer !== undefined) {
        const existing = trust.get(input.peerDid);
        if (redeemer === input.peerDid && existing?.ticketId === input.ticketId) {
          return { ok: true, peer: toTrustPeer(existing) };
        }
        return { ok: false, refusal: "ticket_used" };
      }
      tickets.recordUse({
        ticketId: input.ticketId,
        peerDid: input.peerDid,
        usedAtMs: nowMs,
        expiresAtMs: input.ticketExpiresAtMs,
      });
      return { ok: true, peer: addPeer(input, nowMs) };
    },
    list(): TrustPeer[] {
      return trust.list().map(toTrustPeer);
    },
    remove(peerDid: string): { peerOrigin: string | null } | undefined {
      rateLimits.delete(toInboundRateScope(peerDid));
      return trust.remove(peerDid);
    },
  };
}
export type TrustKeeper = ReturnType<typeof createTrustKeeper>;
