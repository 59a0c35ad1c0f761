/**
 * When the oldest row kept for retention (delivered messages, dead letters, sent outbound rows,
 * receipts, timelines, applied event ids) ages out. Reading it costs a MIN query per table on
 * every reschedule, so the oldest time is held in memory once read. Rows are stamped with the
 * current time, never earlier than a time already read, and leave only by pruning or moving later,
 * so the held time can only be earlier than the true one: the alarm may come early, finds nothing
 * to prune, and the time is read again (`forget` after every alarm). It is read again as well when
 * nothing was held, and when the clock reads earlier than when it was read.
 */
export function createRetentionWake(readOldestMs: () => ReadonlyArray<number | null>) {
  let held: { oldestMs: number; readAtMs: number } | undefined;

  return {
    oldestAtMs(nowMs: number): number | null {
      if (held && nowMs >= held.readAtMs) return held.oldestMs;
      const times = readOldestMs().filter((ms): ms is number => ms !== null);
      held = times.length === 0 ? undefined : { oldestMs: Math.min(...times), readAtMs: nowMs };
      return held?.oldestMs ?? null;
    },
    forget(): void {
      held = undefined;
    },
  };
}
