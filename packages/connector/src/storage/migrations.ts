import type { Database } from "better-sqlite3";

/** A leased queue of JSON bodies to POST: the receipt outbox and the runtime notifications. */
const jobTable = (name: string) => `
  CREATE TABLE ${name} (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    message_id TEXT NOT NULL,
    body TEXT NOT NULL,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    lease_until INTEGER,
    expires_at INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    last_error TEXT
  );
  CREATE INDEX ${name}_due ON ${name} (next_attempt_at) WHERE state = 'pending';
  CREATE INDEX ${name}_finished ON ${name} (updated_at) WHERE state <> 'pending';`;

/**
 * Schema versions, applied in order inside one transaction each and tracked by `user_version`.
 * Times are epoch milliseconds. Rows are claimed with a lease (`lease_until`) so a crash never
 * leaves one stuck: an expired lease is claimable again and `start()` clears them all.
 */
const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE outbox (
    message_id TEXT PRIMARY KEY,
    correlation_id TEXT NOT NULL,
    to_agent_did TEXT NOT NULL,
    payload TEXT NOT NULL,
    conversation_id TEXT,
    reply_to TEXT,
    priority TEXT NOT NULL,
    priority_rank INTEGER NOT NULL,
    traceparent TEXT,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    lease_until INTEGER,
    expires_at INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    relayed_at INTEGER,
    last_error TEXT,
    dead_letter_reason TEXT,
    dead_letter_source TEXT,
    dead_lettered_at INTEGER
  );
  CREATE INDEX outbox_due ON outbox (priority_rank, next_attempt_at) WHERE status = 'queued';
  CREATE INDEX outbox_conversation ON outbox (to_agent_did, conversation_id, message_id) WHERE status = 'queued';
  CREATE INDEX outbox_finished ON outbox (updated_at) WHERE status <> 'queued';

  CREATE TABLE outbox_receipts (
    message_id TEXT NOT NULL,
    status TEXT NOT NULL,
    reason TEXT,
    at INTEGER NOT NULL,
    recorded_at INTEGER NOT NULL,
    PRIMARY KEY (message_id, status)
  );
  CREATE INDEX outbox_receipts_recorded ON outbox_receipts (recorded_at);

  CREATE TABLE inbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    sender_did TEXT NOT NULL,
    message_id TEXT NOT NULL,
    correlation_id TEXT NOT NULL,
    to_agent_did TEXT NOT NULL,
    payload TEXT NOT NULL,
    conversation_id TEXT,
    reply_to TEXT,
    priority TEXT NOT NULL,
    priority_rank INTEGER NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    lease_until INTEGER,
    received_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    delivered_at INTEGER,
    last_error TEXT,
    dead_letter_reason TEXT,
    dead_lettered_at INTEGER,
    UNIQUE (sender_did, message_id)
  );
  CREATE INDEX inbox_due ON inbox (priority_rank, seq) WHERE status = 'pending';
  CREATE INDEX inbox_conversation ON inbox (sender_did, conversation_id, seq) WHERE status = 'pending';
  CREATE INDEX inbox_finished ON inbox (updated_at) WHERE status <> 'pending';

  ${jobTable("receipt_outbox")}
  ${jobTable("runtime_notifications")}

  CREATE TABLE idempotency_keys (
    key TEXT PRIMARY KEY,
    message_id TEXT NOT NULL,
    correlation_id TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    created_at INTEGER NOT NULL
  );
  CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
  `,
  // When to ask the proxy for the outcome of a relayed message that has no receipt yet; rows
  // relayed before this version are checked on the first scan.
  `
  ALTER TABLE outbox ADD COLUMN outcome_check_at INTEGER;
  UPDATE outbox SET outcome_check_at = COALESCE(relayed_at, updated_at) WHERE status = 'relayed';
  CREATE INDEX outbox_outcome_check ON outbox (outcome_check_at) WHERE status = 'relayed';
  CREATE INDEX outbox_awaiting_outcome ON outbox (relayed_at) WHERE status = 'relayed';
  `,
  // A worker asks for its next due time and for expired rows on every wake: with thousands waiting
  // (the proxy down, the webhook refusing) a scan of every waiting row made each message cost more
  // than the last. These answer from the first entries of an index; a lease index holds only the
  // few rows a worker has claimed.
  `
  CREATE INDEX outbox_next_due ON outbox (next_attempt_at) WHERE status = 'queued';
  CREATE INDEX outbox_expiry ON outbox (expires_at) WHERE status = 'queued';
  CREATE INDEX outbox_leased ON outbox (lease_until) WHERE status = 'queued' AND lease_until IS NOT NULL;
  CREATE INDEX outbox_outcome_leased ON outbox (lease_until) WHERE status = 'relayed' AND lease_until IS NOT NULL;
  CREATE INDEX inbox_next_due ON inbox (next_attempt_at) WHERE status = 'pending';
  CREATE INDEX inbox_expiry ON inbox (expires_at) WHERE status = 'pending';
  CREATE INDEX inbox_leased ON inbox (lease_until) WHERE status = 'pending' AND lease_until IS NOT NULL;
  CREATE INDEX receipt_outbox_leased ON receipt_outbox (lease_until) WHERE state = 'pending' AND lease_until IS NOT NULL;
  CREATE INDEX runtime_notifications_leased ON runtime_notifications (lease_until)
    WHERE state = 'pending' AND lease_until IS NOT NULL;
  `,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

export function applyMigrations(db: Database): void {
  const current = db.pragma("user_version", { simple: true }) as number;
  if (current > MIGRATIONS.length) {
    throw new Error(`connector.db is at schema ${current}, newer than this connector (${MIGRATIONS.length})`);
  }
  for (let version = current; version < MIGRATIONS.length; version++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[version] as string);
      db.pragma(`user_version = ${version + 1}`);
    })();
  }
}
