-- Federation (PROTOCOL.md §11): proxy keys registered by an operator, and each agent's home proxy.

-- `kid` is the RFC 7638 thumbprint of `public_key`, so one key is registered once; a revoked key
-- never becomes active again.
CREATE TABLE proxies (
  kid TEXT PRIMARY KEY,
  origin TEXT NOT NULL,
  public_key TEXT NOT NULL UNIQUE,
  status TEXT NOT NULL CHECK (status IN ('active', 'revoked')),
  created_by_owner_id TEXT NOT NULL REFERENCES owners(id),
  created_at INTEGER NOT NULL,
  revoked_at INTEGER
);

-- The proxy that last attested the agent's connector, and the (unix seconds) timestamp of the
-- agent's signed connect it attested: an older connect never moves the home back.
ALTER TABLE agents ADD COLUMN home_proxy_kid TEXT;
ALTER TABLE agents ADD COLUMN home_connected_at INTEGER;
