import { takeToken } from "./policy";
import type { RelaySessionRuntime } from "./session-runtime";
import type { AdmissionInput, AdmissionResult } from "./session-types";
import type { IdentityStore, NonceStore, RateLimitStore, RevocationStore, TrustStore } from "./stores";

/** Rate scope shared by every recipient this agent has not paired with, so spraying DIDs stays bounded. */
const UNPAIRED_SCOPE = "unpaired";

/**
 * What the sender's own session decides about each signed request, atomically: the agent is
 * now known here, it is not revoked (as a whole or for this `jti`), the nonce is fresh, and a
 * relayed message is within the per-sender rate (the pair's limit when the pair has one).
 */
export function createAdmissionPolicy(deps: {
  identity: IdentityStore;
  revocations: RevocationStore;
  nonces: NonceStore;
  rateLimits: RateLimitStore;
  trust: TrustStore;
  runtime: RelaySessionRuntime;
}) {
  const { identity, revocations, nonces, rateLimits, trust, runtime } = deps;

  const toRateScope = (agentDid: string, peerDid: string) => {
    const defaultLimit = runtime.settings.senderRateLimitPerMinute;
    if (peerDid === agentDid) return { scope: `peer:${peerDid}`, limit: defaultLimit };
    const pair = trust.get(peerDid);
    if (!pair) return { scope: UNPAIRED_SCOPE, limit: defaultLimit };
    return { scope: `peer:${peerDid}`, limit: pair.rateLimitPerMinute ?? defaultLimit };
  };

  return {
    admit(input: AdmissionInput, nowMs: number): AdmissionResult {
      const known = identity.get();
      if (known && known.agentDid !== input.agentDid) {
        throw new Error(`relay session of ${known.agentDid} asked to admit ${input.agentDid}`);
      }
      identity.record(input.agentDid, nowMs);

      const revocation = revocations.findFor(input.jti);
      if (revocation) return { ok: false, reason: "AGENT_REVOKED", revocationReason: revocation.reason };

      nonces.prune(nowMs);
      if (!nonces.checkAndRecord(input.nonce, input.nonceExpiresAtMs, nowMs)) {
        return { ok: false, reason: "REPLAYED_NONCE" };
      }

      if (input.rateLimitPeerDid === undefined) return { ok: true };
      const { scope, limit } = toRateScope(input.agentDid, input.rateLimitPeerDid);
      const taken = takeToken(rateLimits.get(scope), limit, nowMs);
      rateLimits.put(scope, taken.bucket);
      if (taken.allowed) return { ok: true };
      return {
        ok: false,
        reason: "RATE_LIMITED",
        retryAfterSeconds: Math.max(1, Math.ceil(taken.retryAfterMs / 1000)),
      };
    },
    /** Forgets a peer's bucket when the pair is removed. */
    forgetPeer(peerDid: string): void {
      rateLimits.delete(`peer:${peerDid}`);
    },
  };
}
export type AdmissionPolicy = ReturnType<typeof createAdmissionPolicy>;
