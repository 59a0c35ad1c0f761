import type { DeadLetterDirection, Priority } from "@clawdentity/protocol";
import type { ConnectorDatabase } from "./database";
import type { DeadLetterSource } from "./outbox-store";

export interface DeadLetterRow {
  direction: DeadLetterDirection;
  messageId: string;
  correlationId: string;
  peerAgentDid: string;
  priority: Priority;
  reason: string;
  source: DeadLetterSource;
  attempts: number;
  lastError: string | null;
  deadLetteredAt: number;
}

export interface DeadLetterFilter {
  direction?: DeadLetterDirection;
  /** Only dead letters from before this epoch-ms cut-off. */
  before?: number;
  peerAgentDid?: string;
}

const OUTBOUND = `SELECT 'outbound' AS direction, message_id AS messageId, correlation_id AS correlationId,
  to_agent_did AS peerAgentDid, priority, COALESCE(dead_letter_reason, 'unknown') AS reason,
  COALESCE(dead_letter_source, 'local') AS source, attempts, last_error AS lastError,
  COALESCE(dead_lettered_at, updated_at) AS deadLetteredAt
  FROM outbox WHERE status = 'dead_lettered' AND COALESCE(dead_lettered_at, updated_at) < @before
    AND (@peer IS NULL OR to_agent_did = @peer)`;
const INBOUND = `SELECT 'inbound' AS direction, message_id AS messageId, correlation_id AS correlationId,
  sender_did AS peerAgentDid, priority, COALESCE(dead_letter_reason, 'unknown') AS reason, 'local' AS source,
  attempts, last_error AS lastError, COALESCE(dead_lettered_at, updated_at) AS deadLetteredAt
  FROM inbox WHERE status = 'dead_lettered' AND COALESCE(dead_lettered_at, updated_at) < @before
    AND (@peer IS NULL OR sender_did = @peer)`;

export type DeadLetterStore = ReturnType<typeof createDeadLetterStore>;

/** Dead letters of both directions: rows of the outbox and inbox in state `dead_lettered`. */
export function createDeadLetterStore(db: ConnectorDatabase) {
  const listOutbound = db.prepare(`${OUTBOUND} ORDER BY deadLetteredAt DESC LIMIT @limit`);
  const listInbound = db.prepare(`${INBOUND} ORDER BY deadLetteredAt DESC LIMIT @limit`);
  const findOutbound = db.prepare(`SELECT dead_letter_source AS source FROM outbox
    WHERE message_id = ? AND status = 'dead_lettered'`);
  const retryOutbound = db.prepare(`UPDATE outbox SET status = 'queued', attempts = 0, next_attempt_at = @now,
    expires_at = @now + @ttlMs, lease_until = NULL, updated_at = @now, dead_letter_reason = NULL,
    dead_letter_source = NULL, dead_lettered_at = NULL, last_error = NULL
    WHERE message_id = @messageId AND status = 'dead_lettered' AND dead_letter_source = 'local'`);
  const retryInbound = db.prepare(`UPDATE inbox SET status = 'pending', attempts = 0, next_attempt_at = @now,
    expires_at = @now + @ttlMs, lease_until = NULL, updated_at = @now, dead_letter_reason = NULL,
    dead_lettered_at = NULL, last_error = NULL WHERE message_id = @messageId AND status = 'dead_lettered'`);
  const purgeOutbound = db.prepare(`DELETE FROM outbox WHERE status = 'dead_lettered'
    AND COALESCE(dead_lettered_at, updated_at) < @before AND (@peer IS NULL OR to_agent_did = @peer)`);
  // Purged inbound rows stay as payload-less tombstones until retention, so a redelivery is still refused.
  const purgeInbound = db.prepare(`UPDATE inbox SET status = 'purged', payload = 'null', updated_at = @now
    WHERE status = 'dead_lettered' AND COALESCE(dead_lettered_at, updated_at) < @before
      AND (@peer IS NULL OR sender_did = @peer)`);

  const params = (filter: DeadLetterFilter) => ({
    before: filter.before ?? Number.MAX_SAFE_INTEGER,
    peer: filter.peerAgentDid ?? null,
  });

  return {
    list(filter: DeadLetterFilter & { limit: number }): DeadLetterRow[] {
      const bound = { ...params(filter), limit: filter.limit };
      const rows = [
        ...(filter.direction !== "inbound" ? (listOutbound.all(bound) as DeadLetterRow[]) : []),
        ...(filter.direction !== "outbound" ? (listInbound.all(bound) as DeadLetterRow[]) : []),
      ];
      return rows.sort((a, b) => b.deadLetteredAt - a.deadLetteredAt).slice(0, filter.limit);
    },
    /** "remote" when the relay dead-lettered it: the proxy accepts a messageId once, so it cannot be resent. */
    outboundSource(messageId: string): DeadLetterSource | null | undefined {
      const row = findOutbound.get(messageId) as { source: DeadLetterSource | null } | undefined;
      return row ? row.source : undefined;
    },
    retryOutbound(messageId: string, now: number, ttlMs: number): boolean {
      return retryOutbound.run({ messageId, now, ttlMs }).changes > 0;
    },
    retryInbound(messageId: string, now: number, ttlMs: number): boolean {
      return retryInbound.run({ messageId, now, ttlMs }).changes > 0;
    },
    purge(filter: DeadLetterFilter, now: number): number {
      const bound = params(filter);
      let purged = 0;
      if (filter.direction !== "inbound") purged += purgeOutbound.run(bound).changes;
      if (filter.direction !== "outbound") purged += purgeInbound.run({ ...bound, now }).changes;
      return purged;
    },
  };
}
