import type { SchemaMigration } from "../storage";

/** SQLite schema of an ops object (a metrics shard, or the queue-records instance). */
export const OPS_MIGRATIONS: readonly SchemaMigration[] = [
  {
    version: 1,
    statements: [
      "CREATE TABLE metric_totals (series TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID",
      `CREATE TABLE flush_cursors (
        source TEXT PRIMARY KEY,
        last_seq INTEGER NOT NULL,
        updated_at_ms INTEGER NOT NULL
      ) WITHOUT ROWID`,
      "CREATE INDEX flush_cursors_age ON flush_cursors (updated_at_ms)",
      `CREATE TABLE queue_records (
        seq INTEGER PRIMARY KEY,
        queue TEXT NOT NULL,
        message_id TEXT NOT NULL,
        kind TEXT NOT NULL,
        reason TEXT,
        attempts INTEGER NOT NULL,
        body TEXT,
        received_at_ms INTEGER NOT NULL,
        UNIQUE (queue, message_id, kind)
      )`,
      "CREATE INDEX queue_records_age ON queue_records (received_at_ms)",
      "CREATE TABLE queue_record_counts (queue TEXT NOT NULL, kind TEXT NOT NULL, count INTEGER NOT NULL, PRIMARY KEY (queue, kind)) WITHOUT ROWID",
      `CREATE TRIGGER queue_records_insert AFTER INSERT ON queue_records BEGIN
        INSERT OR IGNORE INTO queue_record_counts (queue, kind, count) VALUES (NEW.queue, NEW.kind, 0);
        UPDATE queue_record_counts SET count = count + 1 WHERE queue = NEW.queue AND kind = NEW.kind;
      END`,
      `CREATE TRIGGER queue_records_delete AFTER DELETE ON queue_records BEGIN
        UPDATE queue_record_counts SET count = count - 1 WHERE queue = OLD.queue AND kind = OLD.kind;
      END`,
    ],
  },
];
