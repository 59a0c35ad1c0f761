import BetterSqlite3, { type Database } from "better-sqlite3";
import { applyMigrations } from "./migrations";

export type ConnectorDatabase = Database;

/**
 * Opens (and migrates) the agent's database. WAL lets the local API read while a worker writes;
 * `synchronous = FULL` (the default) makes every commit durable before the connector answers or
 * acks, which is the whole point of a write-ahead outbox and a durable inbox.
 */
export function openConnectorDatabase(path: string, synchronous: "FULL" | "NORMAL" = "FULL"): ConnectorDatabase {
  const db = new BetterSqlite3(path);
  db.pragma("journal_mode = WAL");
  db.pragma(`synchronous = ${synchronous === "NORMAL" ? "NORMAL" : "FULL"}`);
  db.pragma("busy_timeout = 5000");
  db.pragma("foreign_keys = ON");
  applyMigrations(db);
  return db;
}
