import type { RevocationKeeper } from "./revocation-keeper";
import type { RelaySessionRuntime } from "./session-runtime";
import {
  COUNTERS,
  type MetricsStore,
  type OutboundStore,
  type ProcessedEventStore,
  type ReceiptStore,
  type TimelineStore,
} from "./stores";

const PRUNE_BATCH = 200;

/**
 * The alarm's work beyond delivery: the rest of a revoked agent's queue, and retention of what
 * the async backbone keeps (sent outbound rows, receipts, timelines, applied event ids).
 */
export function createSessionMaintenance(deps: {
  outbound: OutboundStore;
  receipts: ReceiptStore;
  timeline: TimelineStore;
  processedEvents: ProcessedEventStore;
  metrics: MetricsStore;
  revocation: RevocationKeeper;
  runtime: RelaySessionRuntime;
}) {
  const { outbound, receipts, timeline, processedEvents, metrics, revocation, runtime } = deps;
  const plus = (ms: number | null, by: number) => (ms === null ? null : ms + by);

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
    wakeTimesMs(): Array<number | null> {
      const { retentionMs } = runtime.settings;
      return [
        outbound.nextDueAtMs(),
        plus(outbound.oldestSentAtMs(), retentionMs),
        plus(receipts.oldestAtMs(), retentionMs),
        plus(timeline.oldestUpdatedAtMs(), retentionMs),
        plus(processedEvents.oldestAtMs(), retentionMs),
      ];
    },
  };
}
export type SessionMaintenance = ReturnType<typeof createSessionMaintenance>;
