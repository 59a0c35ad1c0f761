import { type Priority, toPriorityRank } from "@clawdentity/protocol";
import type { Statement } from "better-sqlite3";
import type { ConnectorDatabase } from "./database";

export interface QueueQueryOptions<State extends string> {
  table: string;
  /** Column holding the row's state (`status` or `state`). */
  stateColumn: string;
  /** The state of rows still waiting for work (`queued`, `pending`). */
  waitingState: State;
  states: readonly State[];
  /** Column holding when a waiting row is next due; `next_attempt_at` unless told. */
  dueColumn?: string;
}

/** The queries every leased queue table shares: depth by state, next due time, lease recovery. */
export function createQueueQueries<State extends string>(db: ConnectorDatabase, options: QueueQueryOptions<State>) {
  const { table, stateColumn, waitingState, dueColumn = "next_attempt_at" } = options;
  const counts = db.prepare(`SELECT ${stateColumn} AS state, COUNT(*) AS count FROM ${table} GROUP BY ${stateColumn}`);
  // A leased row is not due before its lease runs out, whatever its next attempt time says. Both
  // halves read the head of a partial index (the due one skips only the few leased rows), so the
  // cost does not grow with the number of rows waiting. The state is written into the SQL, not bound,
  // as SQLite uses a partial index only for a literal it can match.
  const nextDue = db.prepare(`SELECT MIN(at) AS at FROM (
      SELECT * FROM (SELECT ${dueColumn} AS at FROM ${table} WHERE ${stateColumn} = '${waitingState}'
        AND (lease_until IS NULL OR lease_until <= ${dueColumn}) ORDER BY ${dueColumn} LIMIT 1)
      UNION ALL
      SELECT MIN(lease_until) AS at FROM ${table} WHERE ${stateColumn} = '${waitingState}' AND lease_until IS NOT NULL
        AND lease_until > ${dueColumn})`);
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
      return (nextDue.get() as { at: number | null }).at;
    },
    /** Clears leases a killed process left behind; safe because one process holds the agent lock. */
    recoverLeases(): number {
      return recover.run(waitingState).changes;
    },
  };
}

export interface ClaimOptions {
  now: number;
  leaseMs: number;
  limit: number;
}

/** `PRAGMA synchronous` as SQLite reports it: 2 is FULL. */
const SYNCHRONOUS_FULL = 2;

/** Each database's own level, read once: only `withoutFsync` changes it, and puts it back. */
const fullSync = new WeakMap<ConnectorDatabase, boolean>();
function isFullSync(db: ConnectorDatabase): boolean {
  let full = fullSync.get(db);
  if (full === undefined) {
    full = db.pragma("synchronous", { simple: true }) === SYNCHRONOUS_FULL;
    fullSync.set(db, full);
  }
  return full;
}

/**
 * Runs a write whose loss costs nothing without waiting for the disk: committed to the WAL but not
 * fsynced (SQLite's `synchronous = NORMAL`), so it survives a crash of the process but maybe not a
 * power cut, and the next FULL commit makes it durable with everything before it. Inside an open
 * transaction the outer commit decides.
 */
export function withoutFsync<T>(db: ConnectorDatabase, write: () => T): T {
  if (db.inTransaction || !isFullSync(db)) return write();
  db.pragma("synchronous = NORMAL");
  try {
    return write();
  } finally {
    db.pragma("synchronous = FULL");
  }
}

/**
 * Turns a table's claim statement (binding `@now`, `@leaseUntil`, `@limit` and returning the leased
 * rows) into `claimDue`. RETURNING does not keep the subquery's order, so `compare` restores it.
 * A lease is not fsynced: no answer or ack depends on it, and a restart clears every lease anyway
 * (`recoverLeases`), so waiting for the disk would only delay the row's send by one fsync.
 */
export function createClaimDue<Row>(claim: Statement<unknown[]>, compare: (a: Row, b: Row) => number) {
  return (options: ClaimOptions): Row[] => {
    if (options.limit <= 0) return [];
    const bind = { now: options.now, leaseUntil: options.now + options.leaseMs, limit: options.limit };
    const rows = withoutFsync(claim.database, () => claim.all(bind));
    return (rows as Row[]).sort(compare);
  };
}

/** The bind parameters of a new prioritized row: its message, the rank claims order by, and its expiry. */
export function toPrioritizedInsert<Message extends { priority: Priority }>(
  message: Message,
  options: { now: number; ttlMs: number },
) {
  return {
    ...message,
    priorityRank: toPriorityRank(message.priority),
    now: options.now,
    expiresAt: options.now + options.ttlMs,
  };
}
