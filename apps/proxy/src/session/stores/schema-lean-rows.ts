import type { SchemaMigration } from "../../storage";

/**
 * Migration 5: fewer rows written per message. SQLite bills every row and every index entry it
 * writes (an index entry it deletes is free), and rewrites a partial index whenever a column of
 * its WHERE changes, so:
 *
 * - messages: the depth triggers go (the store holds the counts in memory); the unique key leads
 *   with `message_id`, so lookups by id use it and `messages_by_id` goes; `messages_live_age`
 *   (rewritten on every state change) goes; the in-flight and backing-off due times get one
 *   partial index each, so a delivery writes one entry when sent and one when delivered.
 * - nonces: one row per request, keyed by expiry then nonce, pruned by a ranged delete on the key.
 * - sent_messages: the timeline is a JSON column of the row (`message_events` goes), written in the
 *   statement that changes the state; retention counts from the accept, so no index is rewritten
 *   on each change.
 *
 * - outbound: a report is deleted once sent (nothing needs it after) and has no dedupe key, so the
 *   unique index is partial on rows that have one (receipt events); settled receipt events are
 *   pruned in key order (`pruneHeadOlderThan`), so `outbound_sent` goes.
 * - receipts: pruned in `seq` order the same way, so `receipts_age` goes.
 *
 * Tables are rebuilt by copy, so every existing row and its state survive the upgrade.
 */
export const LEAN_ROWS_MIGRATION: SchemaMigration = {
  version: 5,
  statements: [
    "DROP TRIGGER messages_enter_insert",
    "DROP TRIGGER messages_enter_update",
    "DROP TRIGGER messages_leave_update",
    "DROP TRIGGER messages_leave_delete",
    "DROP TABLE queue_depth",
    "DROP TABLE sender_depth",
    `CREATE TABLE messages_lean (
      seq INTEGER PRIMARY KEY,
      sender_did TEXT NOT NULL,
      message_id TEXT NOT NULL,
      correlation_id TEXT NOT NULL,
      priority_rank INTEGER NOT NULL,
      conversation_id TEXT,
      reply_to TEXT,
      traceparent TEXT,
      payload TEXT,
      payload_bytes INTEGER NOT NULL,
      state TEXT NOT NULL,
      attempts INTEGER NOT NULL DEFAULT 0,
      accepted_at_ms INTEGER NOT NULL,
      queued_at_ms INTEGER NOT NULL,
      expires_at_ms INTEGER NOT NULL,
      due_at_ms INTEGER,
      last_attempt_at_ms INTEGER,
      delivered_at_ms INTEGER,
      last_error TEXT,
      UNIQUE (message_id, sender_did)
    )`,
    "INSERT INTO messages_lean SELECT * FROM messages",
    "DROP TABLE messages",
    "ALTER TABLE messages_lean RENAME TO messages",
    "CREATE INDEX messages_ready ON messages (priority_rank, seq) WHERE state = 'queued'",
    "CREATE INDEX messages_in_flight ON messages (due_at_ms) WHERE state = 'in_flight'",
    "CREATE INDEX messages_waiting ON messages (due_at_ms) WHERE state = 'waiting'",
    "CREATE INDEX messages_expiry ON messages (expires_at_ms) WHERE state IN ('queued', 'waiting')",
    "CREATE INDEX messages_sheddable ON messages (priority_rank, seq) WHERE state IN ('queued', 'waiting')",
    "CREATE INDEX messages_sender_sheddable ON messages (sender_did, priority_rank, seq) WHERE state IN ('queued', 'waiting')",
    "CREATE INDEX messages_delivered ON messages (delivered_at_ms) WHERE state = 'delivered'",

    `CREATE TABLE nonces_lean (
      expires_at_ms INTEGER NOT NULL,
      nonce TEXT NOT NULL,
      PRIMARY KEY (expires_at_ms, nonce)
    ) WITHOUT ROWID`,
    "INSERT INTO nonces_lean (expires_at_ms, nonce) SELECT expires_at_ms, nonce FROM nonces",
    "DROP TABLE nonces",
    "ALTER TABLE nonces_lean RENAME TO nonces",

    "ALTER TABLE sent_messages ADD COLUMN events TEXT NOT NULL DEFAULT '[]'",
    `UPDATE sent_messages SET events = (
      SELECT json_group_array(json_object('event', event, 'atMs', at_ms, 'attempt', attempt, 'reason', reason,
        'key', dedupe_key))
      FROM (SELECT * FROM message_events AS e
        WHERE e.message_id = sent_messages.message_id AND e.recipient_did = sent_messages.recipient_did
        ORDER BY e.at_ms, e.seq)
    )`,
    "DROP TABLE message_events",
    "DROP INDEX sent_messages_age",
    "CREATE INDEX sent_messages_accepted ON sent_messages (accepted_at_ms)",

    `CREATE TABLE outbound_lean (
      id TEXT PRIMARY KEY,
      kind TEXT NOT NULL,
      target_did TEXT NOT NULL,
      dedupe_key TEXT,
      body TEXT NOT NULL,
      created_at_ms INTEGER NOT NULL,
      attempts INTEGER NOT NULL DEFAULT 0,
      next_attempt_at_ms INTEGER,
      sent_at_ms INTEGER,
      last_error TEXT,
      published_at_ms INTEGER
    ) WITHOUT ROWID`,
    `INSERT INTO outbound_lean (id, kind, target_did, dedupe_key, body, created_at_ms, attempts, next_attempt_at_ms,
       sent_at_ms, last_error, published_at_ms)
     SELECT id, kind, target_did, CASE WHEN kind = 'receipt' THEN dedupe_key END, body, created_at_ms, attempts,
       next_attempt_at_ms, sent_at_ms, last_error, published_at_ms
     FROM outbound WHERE kind = 'receipt' OR sent_at_ms IS NULL`,
    "DROP TABLE outbound",
    "ALTER TABLE outbound_lean RENAME TO outbound",
    "CREATE UNIQUE INDEX outbound_dedupe ON outbound (dedupe_key) WHERE dedupe_key IS NOT NULL",
    "CREATE INDEX outbound_due ON outbound (next_attempt_at_ms) WHERE sent_at_ms IS NULL",

    "DROP INDEX receipts_age",
  ],
};
