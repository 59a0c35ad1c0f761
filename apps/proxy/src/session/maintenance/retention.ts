import type { RelaySessionRuntime } from "../runtime";
import type { RevocationKeeper } from "../security/revocation-keeper";
import {
  COUNTERS,
  type DeadLetterStore,
  type MessageStore,
  type MetricsStore,
  type OutboundStore,
  type ProcessedEventStore,
  type ReceiptStore,
  type TimelineStore,
} from "../stores";
import { createRetentionWake } from "./retention-wake";

const PRUNE_BATCH = 200;

/**
 * The alarm's work beyond delivery: the rest of a revoked agent's queue, and retention of what
 * the async backbone keeps (sent outbound rows, receipts, timelines, applied event ids).
 */
export function createSessionMaintenance(deps: {
  messages: MessageStore;
  deadLetters: DeadLetterStore;
  outbound: OutboundStore;
  receipts: ReceiptStore;
  timeline: TimelineStore;
  processedEvents: ProcessedEventStore;
  metrics: MetricsStore;
  revocation: RevocationKeeper;
  runtime: RelaySessionRuntime;
}) {
  const { messages, deadLetters, outbound, receipts, timeline, processedEvents, metrics, revocation, runtime } = deps;
  const retention = createRetentionWake(() => [
    messages.oldestDeliveredAtMs(),
    deadLetters.oldestAtMs(),
    outbound.oldestSentAtMs(),
    receipts.oldestAtMs(),
    timeline.oldestAcceptedAtMs(),
    processedEvents.oldestAtMs(),
  ]);

  return {
    /** True when a batch limit was hit and more is due right away. */
    runDue(nowMs: number): boolean {
      const moreRevoked = revocation.runDue(nowMs);
      const cutoffMs = nowMs - runtime.settings.retentionMs;
      const prunedReceipts = receipts.prune(cutoffMs, PRUNE_BATCH);
      if (prunedReceipts > 0) metrics.increment(COUNTERS.retentionPruned);
      const pruned = [
        prunedReceipts,
        outbound.pruneSent(cutoffMs, PRUNE_BATCH),
        timeline.prune(cutoffMs, PRUNE_BATCH),
        processedEvents.prune(cutoffMs, PRUNE_BATCH),
      ];
      return moreRevoked || pruned.some((count) => count >= PRUNE_BATCH);
    },
    /** Every time maintenance becomes due: the next outbound attempt, the oldest retained row aging out. */
    wakeTimesMs(nowMs: number): Array<number | null> {
      const oldestMs = retention.oldestAtMs(nowMs);
      return [outbound.nextDueAtMs(), oldestMs === null ? null : oldestMs + runtime.settings.retentionMs];
    },
    /** An alarm ran (and may have pruned): the oldest retained time is read again. */
    alarmRan(): void {
      retention.forget();
    },
  };
}
export type SessionMaintenance = ReturnType<typeof createSessionMaintenance>;
