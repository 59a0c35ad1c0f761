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
