-- Self-renewal: an agent renews its own AIT (optionally with a new key) within its owner's policy.

-- The lifetime of each AIT issued to the agent, in seconds (NULL on a row an older Worker wrote:
-- ttl_days * 86400).
ALTER TABLE agents ADD COLUMN ttl_seconds INTEGER;
-- Owner policy: may the agent renew itself, and for how long after lifetime_started_at (the
-- owner's last registration or reissue; NULL: created_at).
ALTER TABLE agents ADD COLUMN self_renewal INTEGER NOT NULL DEFAULT 1;
ALTER TABLE agents ADD COLUMN max_lifetime_days INTEGER NOT NULL DEFAULT 365;
ALTER TABLE agents ADD COLUMN lifetime_started_at INTEGER;
UPDATE agents SET ttl_seconds = ttl_days * 86400, lifetime_started_at = created_at;

-- Keys an agent rotated away from: a key that ever belonged to an agent never registers again.
CREATE TABLE retired_agent_keys (
  public_key TEXT PRIMARY KEY,
  agent_id TEXT NOT NULL REFERENCES agents(id),
  retired_at INTEGER NOT NULL
);

-- Nonces of agent-signed requests (the renewal route), kept until their timestamp window has
-- passed; the cron deletes expired ones.
CREATE TABLE agent_request_nonces (
  agent_did TEXT NOT NULL,
  nonce TEXT NOT NULL,
  expires_at INTEGER NOT NULL,
  PRIMARY KEY (agent_did, nonce)
);
CREATE INDEX agent_request_nonces_expiry ON agent_request_nonces (expires_at);
