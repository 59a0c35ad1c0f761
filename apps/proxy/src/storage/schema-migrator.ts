import type { SqlRunner } from "./sql";

/** One step of an object's SQLite schema; append new ones, never edit one that has shipped. */
export interface SchemaMigration {
  version: number;
  statements: readonly string[];
}

/**
 * Applies an object's migrations in order, recorded in `schema_migrations`. Lazily: a relay
 * session that no agent ever authenticated to writes nothing, so probing an unknown DID does not
 * leave an empty object behind.
 */
export interface SchemaMigrator {
  isInitialised(): boolean;
  /** Every migration applied (read once per object, then kept): `ensure` has nothing to do. */
  isCurrent(): boolean;
  /** Applies missing migrations; call inside a storage transaction. */
  ensure(nowMs: number): void;
}

export function createSchemaMigrator(db: SqlRunner, migrations: readonly SchemaMigration[]): SchemaMigrator {
  let appliedVersion: number | undefined;

  const readVersion = (): number => {
    const table = db.first("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'");
    if (!table) return 0;
    return db.first<{ version: number | null }>("SELECT MAX(version) AS version FROM schema_migrations")?.version ?? 0;
  };

  const latest = migrations.at(-1)?.version ?? 0;

  return {
    isInitialised() {
      appliedVersion ??= readVersion();
      return appliedVersion > 0;
    },
    isCurrent() {
      appliedVersion ??= readVersion();
      return appliedVersion >= latest;
    },
    ensure(nowMs) {
      appliedVersion ??= readVersion();
      if (appliedVersion >= latest) return;
      db.run(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at_ms INTEGER NOT NULL)",
      );
      for (const migration of migrations) {
        if (migration.version <= appliedVersion) continue;
        for (const statement of migration.statements) db.run(statement);
        db.run("INSERT INTO schema_migrations (version, applied_at_ms) VALUES (?, ?)", migration.version, nowMs);
      }
      // Only after every statement ran: the caller's transaction rolls back on a throw.
      appliedVersion = latest;
    },
  };
}
