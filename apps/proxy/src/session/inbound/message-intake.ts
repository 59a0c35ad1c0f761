import { PRIORITY_RANK } from "@clawdentity/protocol";
import type { RelaySettings } from "../../config";
import type { RelaySessionRuntime } from "../runtime";
import {
  COUNTERS,
  type IdentityStore,
  type MessageStore,
  type MetricsStore,
  type RateLimitStore,
  type RevocationStore,
  type TrustStore,
} from "../stores";
import type { EnqueueInput, EnqueueResult } from "../types";
import type { DeadLetterRecorder } from "./dead-letters";

/** The most of a recipient's queue one sender may hold (operator policy); a pairing may only lower it. */
export const toMaxSenderQuota = (settings: Pick<RelaySettings, "queueCapacity" | "senderQueueShare">): number =>
  Math.max(1, Math.floor(settings.queueCapacity * settings.senderQueueShare));

/** The bucket of the recipient's own limit on one sender's inbound rate. */
export const toInboundRateScope = (senderDid: string) => `inbound:${senderDid}`;

/**
 * Admission of one message into the recipient's queue: known and not revoked recipient, trusted
 * sender, at most once per (sender, messageId), within the rate this recipient allows that
 * sender (its pairing limit, if it set one), and room made by shedding strictly lower priorities
 * (low first, oldest first) when the queue or the sender's quota is full. Every sender's quota is
 * at most the operator's share of the queue (`senderQueueShare`), critical messages included, so
 * one peer can never fill a recipient's whole queue; a pairing may set it lower.
 */
export function createMessageIntake(deps: {
  identity: IdentityStore;
  revocations: RevocationStore;
  trust: TrustStore;
  messages: MessageStore;
  metrics: MetricsStore;
  rateLimits: RateLimitStore;
  deadLetter: DeadLetterRecorder;
  runtime: RelaySessionRuntime;
}) {
  const { identity, revocations, trust, messages, metrics, rateLimits, deadLetter, runtime } = deps;

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

      if (pair?.rateLimitPerMinute) {
        const taken = rateLimits.take(toInboundRateScope(input.senderDid), pair.rateLimitPerMinute, nowMs);
        if (!taken.allowed) return { ok: false, refusal: "rate_limited", retryAfterSeconds: taken.retryAfterSeconds };
      }

      const rank = PRIORITY_RANK[input.priority];
      const { queueCapacity, messageTtlMs } = runtime.settings;
      const quota = Math.min(pair?.queueQuota ?? Number.POSITIVE_INFINITY, toMaxSenderQuota(runtime.settings));
      const senderFull = () => messages.senderDepth(input.senderDid) >= quota;
      if (quota < queueCapacity && !makeRoom(senderFull, rank, nowMs, input.senderDid)) {
        return { ok: false, refusal: "queue_full", detail: "pair_quota" };
      }
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
