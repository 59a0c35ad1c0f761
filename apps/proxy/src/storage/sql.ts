import { countSqlCursor } from "../billing";

/** A row as the SQLite API returns it. */
export type SqlRow = Record<string, SqlStorageValue>;

/** Thin typed helpers over `ctx.storage.sql`, so stores read as SQL and nothing else. */
export interface SqlRunner {
  all<T extends SqlRow>(query: string, ...bindings: SqlStorageValue[]): T[];
  first<T extends SqlRow>(query: string, ...bindings: SqlStorageValue[]): T | undefined;
  run(query: string, ...bindings: SqlStorageValue[]): void;
}

/** Every statement's rows read and written are counted as billable operations. */
export function createSqlRunner(sql: SqlStorage): SqlRunner {
  return {
    all<T extends SqlRow>(query: string, ...bindings: SqlStorageValue[]) {
      const cursor = sql.exec<T>(query, ...bindings);
      const rows = cursor.toArray();
      countSqlCursor(cursor);
      return rows;
    },
    first<T extends SqlRow>(query: string, ...bindings: SqlStorageValue[]) {
      const cursor = sql.exec<T>(query, ...bindings);
      const next = cursor.next();
      countSqlCursor(cursor);
      return next.done ? undefined : next.value;
    },
    run(query, ...bindings) {
      countSqlCursor(sql.exec(query, ...bindings));
    },
  };
}
