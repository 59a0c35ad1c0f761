import type { DeadLetterRecorder } from "../inbound";
import {
  COUNTERS,
  type MessageStore,
  type MetricsStore,
  type ProcessedEventStore,
  type RevocationStore,
  WHOLE_AGENT,
} from "../stores";
import type { RevokeInput } from "../types";

/** Messages dead-lettered per call; a larger queue is finished by the alarm. */
const REVOKE_BATCH = 200;

/**
 * Records revocations (idempotent on the queue event id and on the target) and, once the whole
 * agent is revoked, turns every message still queued for it into a `recipient_revoked` dead
 * letter, which notifies each sender.
 */
export function createRevocationKeeper(deps: {
  revocations: RevocationStore;
  processedEvents: ProcessedEventStore;
  messages: MessageStore;
  metrics: MetricsStore;
  deadLetter: DeadLetterRecorder;
}) {
  const { revocations, processedEvents, messages, metrics, deadLetter } = deps;

  const deadLetterQueued = (nowMs: number): number => {
    if (!revocations.isAgentRevoked()) return 0;
    const live = messages.live(REVOKE_BATCH);
    for (const message of live) deadLetter(message, "recipient_revoked", nowMs);
    return live.length;
  };

  return {
    /** `duplicateEvent` when this queue event was applied before; nothing changes then. */
    revoke(input: RevokeInput, nowMs: number) {
      if (input.eventId !== undefined && !processedEvents.record(input.eventId, nowMs)) {
        return { recorded: false, duplicateEvent: true, deadLettered: 0, moreQueued: false };
      }
      const target = input.scope === "agent" ? WHOLE_AGENT : input.jti;
      const recorded = revocations.record(target, input.reason, nowMs);
      if (recorded) metrics.increment(COUNTERS.revocations(input.scope));
      const deadLettered = deadLetterQueued(nowMs);
      return { recorded, duplicateEvent: false, deadLettered, moreQueued: deadLettered === REVOKE_BATCH };
    },
    /** The revocation that refuses this agent's `jti` here (the whole agent or that AIT), if any. */
    findFor: (jti: string) => revocations.findFor(jti),
    /** The alarm's share: the next batch of a revoked agent's queue; true when more remain. */
    runDue(nowMs: number): boolean {
      return deadLetterQueued(nowMs) === REVOKE_BATCH;
    },
  };
}
export type RevocationKeeper = ReturnType<typeof createRevocationKeeper>;
