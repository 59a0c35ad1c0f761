import type { SqlRow, SqlRunner } from "./sql";

/** Which rows age out of a table: `column` is the time they are measured from. */
export interface PruneSpec {
  table: string;
  /** The key the batch is selected by (a column, or a row value such as `(a, b)`). */
  key: string;
  column: string;
  /** Extra condition on the rows that may go. */
  where?: string;
  /** Columns of the deleted rows to return; the key by default. */
  returning?: string;
}

/**
 * Deletes at most `limit` rows whose `column` is at or before `beforeMs`, oldest first, so one
 * retention pass stays bounded however much has piled up; returns the deleted rows.
 */
export function pruneOlderThan<T extends SqlRow = SqlRow>(
  db: SqlRunner,
  spec: PruneSpec,
  beforeMs: number,
  limit: number,
): T[] {
  const { table, key, column } = spec;
  const filter = spec.where ? ` AND ${spec.where}` : "";
  // A row-value key `(a, b)` is matched as such but selected as plain columns.
  const selected = key.replace(/^\((.*)\)$/, "$1");
  return db.all<T>(
    `DELETE FROM ${table} WHERE ${key} IN
       (SELECT ${selected} FROM ${table} WHERE ${column} <= ?${filter} ORDER BY ${column} LIMIT ?)
     RETURNING ${spec.returning ?? key}`,
    beforeMs,
    limit,
  );
}

/**
 * For a table whose key follows insertion and whose `column` grows with it (a rowid and the time
 * it was stored): among the first `limit` rows in key order (those matching `where`), deletes
 * the ones at or before `beforeMs`. Needs no index on `column`, and one pass reads at most
 * `limit` rows; when the clock went back, a row waits behind a newer one instead of being missed
 * (the first row is always among those looked at). `key` is a single column.
 */
export function pruneHeadOlderThan<T extends SqlRow = SqlRow>(
  db: SqlRunner,
  spec: PruneSpec,
  beforeMs: number,
  limit: number,
): T[] {
  const { table, key, column } = spec;
  const filter = spec.where ? ` WHERE ${spec.where}` : "";
  return db.all<T>(
    `DELETE FROM ${table} WHERE ${key} IN
       (SELECT ${key} FROM (SELECT ${key}, ${column} FROM ${table}${filter} ORDER BY ${key} LIMIT ?) WHERE ${column} <= ?)
     RETURNING ${spec.returning ?? key}`,
    limit,
    beforeMs,
  );
}
