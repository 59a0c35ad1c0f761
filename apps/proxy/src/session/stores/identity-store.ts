import type { SqlRunner } from "../../storage";

export interface SessionIdentity {
  agentDid: string;
  firstSeenAtMs: number;
  lastSeenAtMs: number;
}

type IdentityRow = { agent_did: string; first_seen_at_ms: number; last_seen_at_ms: number };

/** How stale `last_seen_at_ms` may get: refreshing it on every request would write a row per request. */
export const LAST_SEEN_RESOLUTION_MS = 60_000;

/**
 * Which agent this session belongs to; its presence is what makes the agent "known" to the proxy.
 * Read on most calls, so the row is held in memory once read; a `record` that changes it drops
 * what is held, and the next `get` reads it again (as after `forget`, when a transaction rolled back).
 */
export function createIdentityStore(db: SqlRunner) {
  let held: SessionIdentity | undefined;
  return {
    get(): SessionIdentity | undefined {
      if (held) return held;
      const row = db.first<IdentityRow>("SELECT agent_did, first_seen_at_ms, last_seen_at_ms FROM identity");
      held = row && { agentDid: row.agent_did, firstSeenAtMs: row.first_seen_at_ms, lastSeenAtMs: row.last_seen_at_ms };
      return held;
    },
    record(agentDid: string, nowMs: number): void {
      // Held and recent enough: the statement would change nothing.
      const lastSeenMs = held?.agentDid === agentDid ? held.lastSeenAtMs : undefined;
      if (lastSeenMs !== undefined && nowMs >= lastSeenMs && nowMs < lastSeenMs + LAST_SEEN_RESOLUTION_MS) return;
      const changed = db.first(
        `INSERT INTO identity (singleton, agent_did, first_seen_at_ms, last_seen_at_ms) VALUES (1, ?, ?, ?)
         ON CONFLICT (singleton) DO UPDATE SET last_seen_at_ms = excluded.last_seen_at_ms
         WHERE excluded.last_seen_at_ms >= identity.last_seen_at_ms + ?
         RETURNING singleton`,
        agentDid,
        nowMs,
        nowMs,
        LAST_SEEN_RESOLUTION_MS,
      );
      if (changed) held = undefined;
    },
    forget(): void {
      held = undefined;
    },
  };
}
export type IdentityStore = ReturnType<typeof createIdentityStore>;
