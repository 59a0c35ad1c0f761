import type { ConnectorDatabase } from "./database";

export interface IdempotencyRecord {
  messageId: string;
  correlationId: string;
  requestHash: string;
}

export type IdempotencyStore = ReturnType<typeof createIdempotencyStore>;

/** `Idempotency-Key` → the messageId it produced, kept for the retention window. */
export function createIdempotencyStore(db: ConnectorDatabase) {
  const find = db.prepare(`SELECT message_id AS messageId, correlation_id AS correlationId, request_hash AS requestHash
    FROM idempotency_keys WHERE key = ?`);
  const insert = db.prepare(`INSERT INTO idempotency_keys (key, message_id, correlation_id, request_hash, created_at)
    VALUES (@key, @messageId, @correlationId, @requestHash, @now)`);
  const prune = db.prepare("DELETE FROM idempotency_keys WHERE created_at < ?");
  return {
    find(key: string): IdempotencyRecord | undefined {
      return find.get(key) as IdempotencyRecord | undefined;
    },
    insert(input: IdempotencyRecord & { key: string; now: number }): void {
      insert.run(input);
    },
    prune(cutoff: number): number {
      return prune.run(cutoff).changes;
    },
  };
}
