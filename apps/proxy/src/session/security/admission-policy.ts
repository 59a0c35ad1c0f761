import { takeTokens } from "../policy";
import type { RelaySessionRuntime } from "../runtime";
import type { IdentityStore, NonceStore, RateLimitStore, RevocationStore } from "../stores";
import type { AdmissionInput, AdmissionResult } from "../types";

/** The sender's one rate bucket: every message it relays counts, whichever recipient it names. */
const SENDER_SCOPE = "sender";

/**
 * What the sender's own session decides about each signed request, atomically: the agent is
 * now known here, it is not revoked (as a whole or for this `jti`), the nonce is fresh, and a
 * relayed message is within the operator's per-sender rate — one limit across all recipients,
 * so alternating between peers gains nothing. A recipient's tighter limit on this sender is
 * applied by the recipient's session when it takes the message.
 */
export function createAdmissionPolicy(deps: {
  identity: IdentityStore;
  revocations: RevocationStore;
  nonces: NonceStore;
  rateLimits: RateLimitStore;
  runtime: RelaySessionRuntime;
}) {
  const { identity, revocations, nonces, rateLimits, runtime } = deps;

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
      if (!nonces.checkAndRecord(input.nonce, input.nonceExpiresAtMs)) {
        return { ok: false, reason: "REPLAYED_NONCE" };
      }

      if (!input.rateLimited) return { ok: true };
      // A batch wants a token per message; the messages past the tokens granted are refused one by one.
      const wanted = input.rateTokens ?? 1;
      const taken = takeTokens(rateLimits.get(SENDER_SCOPE), runtime.settings.senderRateLimitPerMinute, nowMs, wanted);
      rateLimits.put(SENDER_SCOPE, taken.bucket);
      const retryAfterSeconds = Math.max(1, Math.ceil(taken.retryAfterMs / 1000));
      if (!taken.allowed) return { ok: false, reason: "RATE_LIMITED", retryAfterSeconds };
      return taken.granted < wanted ? { ok: true, granted: taken.granted, retryAfterSeconds } : { ok: true };
    },
  };
}
export type AdmissionPolicy = ReturnType<typeof createAdmissionPolicy>;
