import { existsSync } from "node:fs";
import type { ConnectorDeadLetter } from "@clawdentity/protocol";
import BetterSqlite3 from "better-sqlite3";
import { createDeadLetterStore, SCHEMA_VERSION } from "../storage";
import { DEFAULT_DEAD_LETTER_LIMIT, type DeadLetterQuery } from "./dead-letter-service";
import { toConnectorDeadLetter, toDeadLetterFilter } from "./dead-letter-view";

export class DeadLetterReadError extends Error {
  override readonly name = "DeadLetterReadError";
}

/**
 * The dead letters of an agent whose connector is not running, read straight from its database,
 * read-only: nothing is migrated, locked or changed. A database that was never created has none;
 * one of another schema version is refused (start the connector once to migrate it).
 */
export function readDeadLetters(
  databasePath: string,
  query: DeadLetterQuery,
  nowMs = Date.now(),
): ConnectorDeadLetter[] {
  if (!existsSync(databasePath)) return [];
  const db = new BetterSqlite3(databasePath, { readonly: true, fileMustExist: true });
  try {
    db.pragma("busy_timeout = 5000");
    const version = db.pragma("user_version", { simple: true }) as number;
    if (version !== SCHEMA_VERSION) {
      throw new DeadLetterReadError(
        `${databasePath} is at schema version ${version}, this connector reads ${SCHEMA_VERSION}: start the connector once to migrate it`,
      );
    }
    return createDeadLetterStore(db)
      .list({ ...toDeadLetterFilter(query, nowMs), limit: query.limit ?? DEFAULT_DEAD_LETTER_LIMIT })
      .map(toConnectorDeadLetter);
  } finally {
    db.close();
  }
}
