import type { ConnectorDatabase } from "./database";

export interface QueueQueryOptions<State extends string> {
  table: string;
  /** Column holding the row's state (`status` or `state`). */
  stateColumn: string;
  /** The state of rows still waiting for work (`queued`, `pending`). */
  waitingState: State;
  states: readonly State[];
}

/** The queries every leased queue table shares: depth by state, next due time, lease recovery. */
export function createQueueQueries<State extends string>(db: ConnectorDatabase, options: QueueQueryOptions<State>) {
  const { table, stateColumn, waitingState } = options;
  const counts = db.prepare(`SELECT ${stateColumn} AS state, COUNT(*) AS count FROM ${table} GROUP BY ${stateColumn}`);
  // A leased row is not due before its lease runs out, whatever its next attempt time says.
  const nextDue = db.prepare(`SELECT MIN(CASE WHEN lease_until > next_attempt_at THEN lease_until
    ELSE next_attempt_at END) AS at FROM ${table} WHERE ${stateColumn} = ?`);
  const recover = db.prepare(
    `UPDATE ${table} SET lease_until = NULL WHERE ${stateColumn} = ? AND lease_until IS NOT NULL`,
  );
  return {
    countByState(): Record<State, number> {
      const result = Object.fromEntries(options.states.map((state) => [state, 0])) as Record<State, number>;
      for (const row of counts.all() as { state: State; count: number }[]) result[row.state] = row.count;
      return result;
    },
    nextDueAt(): number | null {
      return (nextDue.get(waitingState) as { at: number | null }).at;
    },
    /** Clears leases a killed process left behind; safe because one process holds the agent lock. */
    recoverLeases(): number {
      return recover.run(waitingState).changes;
    },
  };
}
