-- Registry schema. Every timestamp is epoch milliseconds (INTEGER).

CREATE TABLE owners (
  id TEXT PRIMARY KEY,
  did TEXT NOT NULL UNIQUE,
  display_name TEXT NOT NULL,
  role TEXT NOT NULL CHECK (role IN ('admin', 'member')),
  created_at INTEGER NOT NULL
);

-- Personal access tokens: only the SHA-256 of the full token is stored.
CREATE TABLE personal_access_tokens (
  id TEXT PRIMARY KEY,
  owner_id TEXT NOT NULL REFERENCES owners(id),
  name TEXT NOT NULL,
  token_hash TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER,
  last_used_at INTEGER,
  revoked_at INTEGER
);
CREATE INDEX personal_access_tokens_owner ON personal_access_tokens (owner_id, id);

CREATE TABLE invites (
  id TEXT PRIMARY KEY,
  code_hash TEXT NOT NULL,
  role TEXT NOT NULL CHECK (role IN ('admin', 'member')),
  note TEXT,
  created_by_owner_id TEXT NOT NULL REFERENCES owners(id),
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  redeemed_at INTEGER,
  redeemed_by_owner_id TEXT
);

-- One-time registration challenges; `agent_id` records which registration consumed it.
CREATE TABLE agent_challenges (
  id TEXT PRIMARY KEY,
  owner_id TEXT NOT NULL REFERENCES owners(id),
  public_key TEXT NOT NULL,
  nonce TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  used_at INTEGER,
  agent_id TEXT
);
CREATE INDEX agent_challenges_expiry ON agent_challenges (expires_at);

-- `change_id` is rewritten by every guarded state change, so the statements batched after it
-- can check that this request's change is the one that applied.
CREATE TABLE agents (
  id TEXT PRIMARY KEY,
  did TEXT NOT NULL UNIQUE,
  owner_id TEXT NOT NULL REFERENCES owners(id),
  name TEXT NOT NULL,
  framework TEXT NOT NULL,
  public_key TEXT NOT NULL UNIQUE,
  status TEXT NOT NULL CHECK (status IN ('active', 'revoked')),
  current_jti TEXT NOT NULL,
  ttl_days INTEGER NOT NULL,
  ait_expires_at INTEGER NOT NULL,
  change_id TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  revoked_at INTEGER
);
CREATE UNIQUE INDEX agents_owner_active_name ON agents (owner_id, name) WHERE status = 'active';
CREATE INDEX agents_owner_list ON agents (owner_id, id);

-- Every revoked AIT id; the CRL lists them all.
CREATE TABLE revocations (
  jti TEXT PRIMARY KEY,
  agent_id TEXT NOT NULL REFERENCES agents(id),
  agent_did TEXT NOT NULL,
  reason TEXT NOT NULL,
  revoked_at INTEGER NOT NULL
);
CREATE INDEX revocations_revoked_at ON revocations (revoked_at);

-- Persist-first event outbox: written in the same batch as the change it announces.
CREATE TABLE event_outbox (
  id TEXT PRIMARY KEY,
  type TEXT NOT NULL,
  payload TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,
  lease_id TEXT,
  lease_until INTEGER,
  sent_at INTEGER,
  last_error TEXT
);
CREATE INDEX event_outbox_pending ON event_outbox (next_attempt_at) WHERE sent_at IS NULL;
CREATE INDEX event_outbox_sent ON event_outbox (sent_at) WHERE sent_at IS NOT NULL;
