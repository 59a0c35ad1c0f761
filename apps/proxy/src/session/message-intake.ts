import { PRIORITY_RANK } from "@clawdentity/protocol";
import type { DeadLetterRecorder } from "./dead-lettering";
import type { RelaySessionRuntime } from "./session-runtime";
import type { EnqueueInput, EnqueueResult } from "./session-types";
import {
  COUNTERS,
  type IdentityStore,
  type MessageStore,
  type MetricsStore,
  type RevocationStore,
  type TrustStore,
} from "./stores";

/**
 * Admission of one message into the recipient's queue: known and not revoked recipient, trusted
 * sender, at most once per (sender, messageId), and room made by shedding strictly lower
 * priorities (low first, oldest first) when the queue or the pair's quota is full.
 */
export function createMessageIntake(deps: {
  identity: IdentityStore;
  revocations: RevocationStore;
  trust: TrustStore;
  messages: MessageStore;
  metrics: MetricsStore;
  deadLetter: DeadLetterRecorder;
  runtime: RelaySessionRuntime;
}) {
  const { identity, revocations, trust, messages, metrics, deadLetter, runtime } = deps;

  /** Sheds until `isFull()` is false; false when nothing of lower priority is left to shed. */
  const makeRoom = (isFull: () => boolean, rank: number, nowMs: number, senderDid?: string): boolean => {
    while (isFull()) {
      const victim = messages.findSheddable(rank, senderDid);
      if (!victim) return false;
      deadLetter(victim, "queue_full", nowMs);
    }
    return true;
  };

  return {
    enqueue(input: EnqueueInput, nowMs: number): EnqueueResult {
      const self = identity.get();
      if (!self) return { ok: false, refusal: "recipient_not_found" };
      if (revocations.isAgentRevoked()) return { ok: false, refusal: "recipient_revoked" };
      const isSelf = input.senderDid === self.agentDid;
      const pair = isSelf ? undefined : trust.get(input.senderDid);
      if (!isSelf && !pair) return { ok: false, refusal: "sender_not_trusted" };

      const existing = messages.find(input.senderDid, input.messageId);
      if (existing) {
        metrics.increment(COUNTERS.duplicates);
        return {
          ok: true,
          state: "duplicate",
          queueDepth: messages.totalDepth(),
          correlationId: existing.correlationId,
        };
      }

      const rank = PRIORITY_RANK[input.priority];
      const quota = pair?.queueQuota;
      if (quota && !makeRoom(() => messages.senderDepth(input.senderDid) >= quota, rank, nowMs, input.senderDid)) {
        return { ok: false, refusal: "queue_full", detail: "pair_quota" };
      }
      const { queueCapacity, messageTtlMs } = runtime.settings;
      if (!makeRoom(() => messages.totalDepth() >= queueCapacity, rank, nowMs)) {
        return { ok: false, refusal: "queue_full", detail: "recipient_capacity" };
      }

      messages.insert({
        senderDid: input.senderDid,
        messageId: input.messageId,
        correlationId: input.correlationId,
        priority: input.priority,
        conversationId: input.conversationId ?? null,
        replyTo: input.replyTo ?? null,
        traceparent: input.traceparent ?? null,
        payload: input.payload,
        acceptedAtMs: input.acceptedAtMs,
        queuedAtMs: nowMs,
        expiresAtMs: input.acceptedAtMs + messageTtlMs,
      });
      metrics.increment(COUNTERS.accepted);
      return { ok: true, state: "queued", queueDepth: messages.totalDepth(), correlationId: input.correlationId };
    },
  };
}
export type MessageIntake = ReturnType<typeof createMessageIntake>;
