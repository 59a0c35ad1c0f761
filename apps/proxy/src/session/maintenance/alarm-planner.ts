/**
 * Keeps the single Durable Object alarm at the earliest due time. The scheduled time is cached
 * in memory so a reschedule that changes nothing costs no storage call. A wake asked for at once
 * (a turn left work undone: more receipts than one push sends) is held until the alarm runs, so
 * an event in between that reschedules from its own due times cannot push it out to a later one.
 */
export function createAlarmPlanner(storage: DurableObjectStorage) {
  let scheduledMs: number | null | undefined;
  let heldWakeMs: number | null = null;

  return {
    /** Work is left for the alarm to do at `atMs`; kept until the alarm runs. */
    holdWake(atMs: number): void {
      heldWakeMs = heldWakeMs === null ? atMs : Math.min(heldWakeMs, atMs);
    },
    async reschedule(wakeTimesMs: ReadonlyArray<number | null>): Promise<void> {
      const candidates = [...wakeTimesMs, heldWakeMs].filter((ms): ms is number => ms !== null);
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
      heldWakeMs = null;
    },
  };
}
export type AlarmPlanner = ReturnType<typeof createAlarmPlanner>;
