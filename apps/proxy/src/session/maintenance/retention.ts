import type { RelaySessionRuntime } from "../runtime";
import type { RevocationKeeper } from "../security";
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

const PRUNE_BATCH = 200;

/**
 * When the oldest row kept for retention (delivered messages, dead letters, sent outbound rows,
 * receipts, timelines, applied event ids) ages out. Reading it costs a MIN query per table on
 * every reschedule, so the oldest time is held in memory once read. Rows are stamped with the
 * current time, never earlier than a time already read, and leave only by pruning or moving later,
 * so the held time can only be earlier than the true one: the alarm may come early, finds nothing
 * to prune, and the time is read again (`forget` after every alarm). It is read again as well when
 * the clock reads earlier than when it was read. Finding nothing kept is held for
 * `EMPTY_RECHECK_MS`: a first row ages out a retention period after it came, so learning of it
 * that much later only moves its pruning as late (a recipient that only receives would otherwise
 * read every table on every message).
 */
const EMPTY_RECHECK_MS = 60_000;

export function createRetentionWake(readOldestMs: () => ReadonlyArray<number | null>) {
  let held: { oldestMs: number | null; readAtMs: number } | undefined;

  return {
    oldestAtMs(nowMs: number): number | null {
      const fresh =
        held && nowMs >= held.readAtMs && (held.oldestMs !== null || nowMs - held.readAtMs < EMPTY_RECHECK_MS);
      if (held && fresh) return held.oldestMs;
      const times = readOldestMs().filter((ms): ms is number => ms !== null);
      held = { oldestMs: times.length === 0 ? null : Math.min(...times), readAtMs: nowMs };
      return held.oldestMs;
    },
    forget(): void {
      held = undefined;
    },
  };
}

/**
 * The alarm's work beyond delivery: the rest of a revoked agent's queue, and retention of what
 * the async backbone keeps (sent outbound rows, receipts, timelines, applied event ids).
 */
export function createSessionMaintenance(deps: {
  messages: MessageStore;
  deadLetters: DeadLetterStore;
  outbound: OutboundStore;
  receipts: ReceiptStore;
  sentMessages: TimelineStore;
  processedEvents: ProcessedEventStore;
  metrics: MetricsStore;
  revocation: RevocationKeeper;
  runtime: RelaySessionRuntime;
}) {
  const { messages, deadLetters, outbound, receipts, sentMessages, processedEvents, metrics, revocation, runtime } =
    deps;
  const retention = createRetentionWake(() => [
    messages.oldestDeliveredAtMs(),
    deadLetters.oldestAtMs(),
    outbound.oldestSentAtMs(),
    receipts.oldestAtMs(),
    sentMessages.oldestAcceptedAtMs(),
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
        sentMessages.prune(cutoffMs, PRUNE_BATCH),
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
