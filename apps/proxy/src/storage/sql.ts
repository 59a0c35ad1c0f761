/** A row as the SQLite API returns it. */
export type SqlRow = Record<string, SqlStorageValue>;

/** Thin typed helpers over `ctx.storage.sql`, so stores read as SQL and nothing else. */
export interface SqlRunner {
  all<T extends SqlRow>(query: string, ...bindings: SqlStorageValue[]): T[];
  first<T extends SqlRow>(query: string, ...bindings: SqlStorageValue[]): T | undefined;
  run(query: string, ...bindings: SqlStorageValue[]): void;
}

export function createSqlRunner(sql: SqlStorage): SqlRunner {
  return {
    all: <T extends SqlRow>(query: string, ...bindings: SqlStorageValue[]) => sql.exec<T>(query, ...bindings).toArray(),
    first<T extends SqlRow>(query: string, ...bindings: SqlStorageValue[]) {
      const next = sql.exec<T>(query, ...bindings).next();
      return next.done ? undefined : next.value;
    },
    run(query, ...bindings) {
      sql.exec(query, ...bindings);
    },
  };
}
