import type { SchemaMigration } from "../../storage";
import { LEAN_ROWS_MIGRATION } from "./schema-lean-rows";

/**
 * The relay session's SQLite schema, applied in order and recorded in `schema_migrations`.
 * Append a migration to change it; never edit one that has shipped.
 *
 * Migration 1 kept depth counters by triggers; migration 5 (`schema-lean-rows.ts`) drops the
 * queue's and the indexes no query needs (the message store holds the depths in memory), and
 * migration 6 the dead letters' (the dead-letter store moves `dead_letter_depth` itself). No
 * trigger is left: every write a statement makes is in the store that runs it.
 */

const LIVE_STATES = "('queued', 'waiting', 'in_flight')";

const depthChange = (row: "NEW" | "OLD", delta: "+ 1" | "- 1") => [
  `UPDATE queue_depth SET count = count ${delta} WHERE priority_rank = ${row}.priority_rank;`,
  `INSERT OR IGNORE INTO sender_depth (sender_did, count) VALUES (${row}.sender_did, 0);`,
  `UPDATE sender_depth SET count = count ${delta} WHERE sender_did = ${row}.sender_did;`,
];

export const SESSION_MIGRATIONS: readonly SchemaMigration[] = [
  {
    version: 1,
    statements: [
      `CREATE TABLE identity (
        singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
        agent_did TEXT NOT NULL,
        first_seen_at_ms INTEGER NOT NULL,
        last_seen_at_ms INTEGER NOT NULL
      )`,
      `CREATE TABLE nonces (
        nonce TEXT PRIMARY KEY,
        expires_at_ms INTEGER NOT NULL
      ) WITHOUT ROWID`,
      "CREATE INDEX nonces_expiry ON nonces (expires_at_ms)",
      `CREATE TABLE revocations (
        target TEXT PRIMARY KEY,
        reason TEXT NOT NULL,
        revoked_at_ms INTEGER NOT NULL
      )`,
      `CREATE TABLE rate_buckets (
        scope TEXT PRIMARY KEY,
        tokens REAL NOT NULL,
        updated_at_ms INTEGER NOT NULL
      )`,
      `CREATE TABLE trusted_peers (
        peer_did TEXT PRIMARY KEY,
        paired_at_ms INTEGER NOT NULL,
        rate_limit_per_minute INTEGER,
        queue_quota INTEGER,
        ticket_id TEXT NOT NULL
      )`,
      `CREATE TABLE pairing_ticket_uses (
        ticket_id TEXT PRIMARY KEY,
        peer_did TEXT NOT NULL,
        used_at_ms INTEGER NOT NULL,
        expires_at_ms INTEGER NOT NULL
      )`,
      "CREATE INDEX pairing_ticket_uses_expiry ON pairing_ticket_uses (expires_at_ms)",
      `CREATE TABLE messages (
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
        UNIQUE (sender_did, message_id)
      )`,
      "CREATE INDEX messages_ready ON messages (priority_rank, seq) WHERE state = 'queued'",
      "CREATE INDEX messages_due ON messages (due_at_ms) WHERE state IN ('waiting', 'in_flight')",
      "CREATE INDEX messages_expiry ON messages (expires_at_ms) WHERE state IN ('queued', 'waiting')",
      `CREATE INDEX messages_live_age ON messages (accepted_at_ms) WHERE state IN ${LIVE_STATES}`,
      "CREATE INDEX messages_sheddable ON messages (priority_rank, seq) WHERE state IN ('queued', 'waiting')",
      "CREATE INDEX messages_sender_sheddable ON messages (sender_did, priority_rank, seq) WHERE state IN ('queued', 'waiting')",
      "CREATE INDEX messages_in_flight ON messages (message_id) WHERE state = 'in_flight'",
      "CREATE INDEX messages_by_id ON messages (message_id)",
      "CREATE INDEX messages_delivered ON messages (delivered_at_ms) WHERE state = 'delivered'",
      `CREATE TABLE dead_letters (
        seq INTEGER PRIMARY KEY,
        sender_did TEXT NOT NULL,
        message_id TEXT NOT NULL,
        reason TEXT NOT NULL,
        attempts INTEGER NOT NULL,
        dead_lettered_at_ms INTEGER NOT NULL,
        UNIQUE (sender_did, message_id)
      )`,
      "CREATE INDEX dead_letters_age ON dead_letters (dead_lettered_at_ms)",
      "CREATE TABLE queue_depth (priority_rank INTEGER PRIMARY KEY, count INTEGER NOT NULL)",
      "INSERT INTO queue_depth (priority_rank, count) VALUES (0, 0), (1, 0), (2, 0)",
      "CREATE TABLE sender_depth (sender_did TEXT PRIMARY KEY, count INTEGER NOT NULL)",
      "CREATE TABLE dead_letter_depth (reason TEXT PRIMARY KEY, count INTEGER NOT NULL)",
      `CREATE TRIGGER messages_enter_insert AFTER INSERT ON messages WHEN NEW.state IN ${LIVE_STATES}
        BEGIN ${depthChange("NEW", "+ 1").join(" ")} END`,
      `CREATE TRIGGER messages_enter_update AFTER UPDATE OF state ON messages
        WHEN NEW.state IN ${LIVE_STATES} AND OLD.state NOT IN ${LIVE_STATES}
        BEGIN ${depthChange("NEW", "+ 1").join(" ")} END`,
      `CREATE TRIGGER messages_leave_update AFTER UPDATE OF state ON messages
        WHEN OLD.state IN ${LIVE_STATES} AND NEW.state NOT IN ${LIVE_STATES}
        BEGIN ${depthChange("OLD", "- 1").join(" ")} END`,
      `CREATE TRIGGER messages_leave_delete AFTER DELETE ON messages WHEN OLD.state IN ${LIVE_STATES}
        BEGIN ${depthChange("OLD", "- 1").join(" ")} END`,
      `CREATE TRIGGER dead_letters_insert AFTER INSERT ON dead_letters BEGIN
        INSERT OR IGNORE INTO dead_letter_depth (reason, count) VALUES (NEW.reason, 0);
        UPDATE dead_letter_depth SET count = count + 1 WHERE reason = NEW.reason;
      END`,
      `CREATE TRIGGER dead_letters_delete AFTER DELETE ON dead_letters BEGIN
        UPDATE dead_letter_depth SET count = count - 1 WHERE reason = OLD.reason;
      END`,
      "CREATE TABLE counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL)",
      "CREATE TABLE latency_samples (slot INTEGER PRIMARY KEY, latency_ms INTEGER NOT NULL)",
      "CREATE TABLE session_state (key TEXT PRIMARY KEY, value INTEGER)",
    ],
  },
  {
    // The async backbone: what this session owes other sessions (outbound), the receipts and
    // timeline of the messages this agent sent, revocation events already applied, and the
    // metric deltas not yet in the aggregate.
    version: 2,
    statements: [
      "ALTER TABLE counters ADD COLUMN flushed INTEGER NOT NULL DEFAULT 0",
      "CREATE INDEX dead_letters_by_id ON dead_letters (message_id)",
      `CREATE TABLE outbound (
        id TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        target_did TEXT NOT NULL,
        dedupe_key TEXT NOT NULL UNIQUE,
        body TEXT NOT NULL,
        created_at_ms INTEGER NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at_ms INTEGER,
        sent_at_ms INTEGER,
        last_error TEXT
      ) WITHOUT ROWID`,
      "CREATE INDEX outbound_due ON outbound (next_attempt_at_ms) WHERE sent_at_ms IS NULL",
      "CREATE INDEX outbound_sent ON outbound (sent_at_ms) WHERE sent_at_ms IS NOT NULL",
      `CREATE TABLE receipts (
        seq INTEGER PRIMARY KEY,
        receipt_id TEXT NOT NULL UNIQUE,
        message_id TEXT NOT NULL,
        recipient_did TEXT NOT NULL,
        correlation_id TEXT NOT NULL,
        status TEXT NOT NULL,
        reason TEXT,
        at_ms INTEGER NOT NULL,
        received_at_ms INTEGER NOT NULL,
        state TEXT NOT NULL,
        pushed_connection TEXT,
        settled_at_ms INTEGER,
        UNIQUE (message_id, recipient_did, status)
      )`,
      "CREATE INDEX receipts_pending ON receipts (seq) WHERE state = 'pending'",
      "CREATE INDEX receipts_age ON receipts (received_at_ms)",
      `CREATE TABLE sent_messages (
        message_id TEXT NOT NULL,
        recipient_did TEXT NOT NULL,
        correlation_id TEXT NOT NULL,
        priority_rank INTEGER NOT NULL,
        accepted_at_ms INTEGER NOT NULL,
        state TEXT NOT NULL,
        state_at_ms INTEGER NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        updated_at_ms INTEGER NOT NULL,
        PRIMARY KEY (message_id, recipient_did)
      ) WITHOUT ROWID`,
      "CREATE INDEX sent_messages_age ON sent_messages (updated_at_ms)",
      `CREATE TABLE message_events (
        seq INTEGER PRIMARY KEY,
        message_id TEXT NOT NULL,
        recipient_did TEXT NOT NULL,
        event TEXT NOT NULL,
        at_ms INTEGER NOT NULL,
        attempt INTEGER,
        reason TEXT,
        dedupe_key TEXT NOT NULL,
        UNIQUE (message_id, recipient_did, dedupe_key)
      )`,
      `CREATE TABLE processed_events (
        event_id TEXT PRIMARY KEY,
        processed_at_ms INTEGER NOT NULL
      ) WITHOUT ROWID`,
      "CREATE INDEX processed_events_age ON processed_events (processed_at_ms)",
      "CREATE TABLE gauge_reports (series TEXT PRIMARY KEY, reported INTEGER NOT NULL) WITHOUT ROWID",
      "CREATE TABLE metric_flushes (seq INTEGER PRIMARY KEY, body TEXT NOT NULL, created_at_ms INTEGER NOT NULL)",
    ],
  },
  {
    // End-to-end confirmation of receipt events: a published event stays owed (sent_at_ms NULL)
    // until the sender's session has stored it, and is published again when no confirmation comes.
    version: 3,
    statements: ["ALTER TABLE outbound ADD COLUMN published_at_ms INTEGER"],
  },
  {
    // PROTOCOL.md §11.7: a pairing with an agent at home on another proxy records that proxy, so
    // removing the pairing is sent there.
    version: 4,
    statements: ["ALTER TABLE trusted_peers ADD COLUMN peer_origin TEXT"],
  },
  LEAN_ROWS_MIGRATION,
  {
    version: 6,
    statements: ["DROP TRIGGER dead_letters_insert", "DROP TRIGGER dead_letters_delete"],
  },
  {
    // The recent delivery latencies as one row (a JSON array: new samples appended, the oldest
    // dropped) instead of a row per delivered message: the samples held are written together, one
    // row each time. The counter that numbered the old ring's slots goes with it.
    version: 7,
    statements: [
      "CREATE TABLE latency_ring (singleton INTEGER PRIMARY KEY CHECK (singleton = 1), samples TEXT NOT NULL)",
      `INSERT INTO latency_ring (singleton, samples)
       SELECT 1, json_group_array(latency_ms) FROM latency_samples HAVING COUNT(*) > 0`,
      "DROP TABLE latency_samples",
      "DELETE FROM counters WHERE name = 'latency.samples'",
    ],
  },
];
