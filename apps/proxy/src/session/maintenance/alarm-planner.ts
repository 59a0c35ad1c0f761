/**
 * Keeps the single Durable Object alarm at the earliest due time. The scheduled time is cached
 * in memory so a reschedule that changes nothing costs no storage call.
 */
export function createAlarmPlanner(storage: DurableObjectStorage) {
  let scheduledMs: number | null | undefined;

  return {
    async reschedule(wakeTimesMs: ReadonlyArray<number | null>): Promise<void> {
      const candidates = wakeTimesMs.filter((ms): ms is number => ms !== null);
      const nextMs = candidates.length === 0 ? null : Math.min(...candidates);
      if (scheduledMs === undefined) scheduledMs = await storage.getAlarm();
      if (nextMs === scheduledMs) return;
      // Recorded before the write is awaited: another event may reschedule meanwhile, and storage
      // applies writes in order, so the cache must always hold the last value written.
      scheduledMs = nextMs;
      if (nextMs === null) await storage.deleteAlarm();
      else await storage.setAlarm(nextMs);
    },
    /** A running alarm is no longer scheduled. */
    markFired(): void {
      scheduledMs = null;
    },
  };
}
export type AlarmPlanner = ReturnType<typeof createAlarmPlanner>;
