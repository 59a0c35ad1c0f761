/** A condition a batched statement re-checks, so it applies only if an earlier statement of the batch did. */
export interface SqlGuard {
  sql: string;
  params: unknown[];
}

export type SqlValue = string | number | null;

/** `INSERT ... SELECT ... WHERE <guard>`: inserts nothing when the guard does not hold. */
export function toGuardedInsert(
  db: D1Database,
  table: string,
  columns: Record<string, SqlValue>,
  guard?: SqlGuard,
): D1PreparedStatement {
  const names = Object.keys(columns);
  const placeholders = names.map(() => "?").join(", ");
  const condition = guard ? ` WHERE ${guard.sql}` : "";
  return db
    .prepare(`INSERT INTO ${table} (${names.join(", ")}) SELECT ${placeholders}${condition}`)
    .bind(...Object.values(columns), ...(guard?.params ?? []));
}

/** Rows changed by one statement of a batch. */
export function toChangedRows(result: D1Result | undefined): number {
  return result?.meta.changes ?? 0;
}
