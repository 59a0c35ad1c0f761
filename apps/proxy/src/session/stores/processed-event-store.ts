import { pruneOlderThan, type SqlRunner } from "../../storage";

/** Queue event ids this session has applied, so an event delivered again is applied once. */
export function createProcessedEventStore(db: SqlRunner) {
  return {
    /** True when the id is new (and now recorded). */
    record(eventId: string, nowMs: number): boolean {
      const inserted = db.first(
        "INSERT INTO processed_events (event_id, processed_at_ms) VALUES (?, ?) ON CONFLICT DO NOTHING RETURNING event_id",
        eventId,
        nowMs,
      );
      return inserted !== undefined;
    },
    oldestAtMs(): number | null {
      return (
        db.first<{ value: number | null }>("SELECT MIN(processed_at_ms) AS value FROM processed_events")?.value ?? null
      );
    },
    prune(beforeMs: number, limit: number): number {
      const spec = { table: "processed_events", key: "event_id", column: "processed_at_ms" };
      return pruneOlderThan(db, spec, beforeMs, limit).length;
    },
  };
}
export type ProcessedEventStore = ReturnType<typeof createProcessedEventStore>;
