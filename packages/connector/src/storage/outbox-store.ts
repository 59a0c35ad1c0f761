import {
  OUTBOUND_STATES,
  type OutboundState,
  type Priority,
  type ReceiptStatus,
  toPriorityRank,
} from "@clawdentity/protocol";
import type { ConnectorDatabase } from "./database";
import { createClaimDue, createQueueQueries, toPrioritizedInsert, withoutFsync } from "./queue-queries";

export type DeadLetterSource = "local" | "remote";

export interface OutboxRow {
  messageId: string;
  correlationId: string;
  toAgentDid: string;
  /** The exact JSON text POSTed on every attempt, so retries are byte-identical. */
  payload: string;
  conversationId: string | null;
  replyTo: string | null;
  priority: Priority;
  traceparent: string | null;
  status: OutboundState;
  attempts: number;
  nextAttemptAt: number;
  leaseUntil: number | null;
  expiresAt: number;
  createdAt: number;
  updatedAt: number;
  relayedAt: number | null;
  /** While relayed without an outcome: when to ask the proxy for it. */
  outcomeCheckAt: number | null;
  lastError: string | null;
  deadLetterReason: string | null;
  deadLetterSource: DeadLetterSource | null;
  deadLetteredAt: number | null;
}

export type NewOutboxMessage = Pick<
  OutboxRow,
  "messageId" | "correlationId" | "toAgentDid" | "payload" | "conversationId" | "replyTo" | "priority" | "traceparent"
>;

export interface OutboxReceipt {
  status: ReceiptStatus;
  reason: string | null;
  at: number;
}

export const OUTBOX_COLUMNS = `message_id AS messageId, correlation_id AS correlationId, to_agent_did AS toAgentDid, payload,
  conversation_id AS conversationId, reply_to AS replyTo, priority, traceparent, status, attempts,
  next_attempt_at AS nextAttemptAt, lease_until AS leaseUntil, expires_at AS expiresAt, created_at AS createdAt,
  updated_at AS updatedAt, relayed_at AS relayedAt, outcome_check_at AS outcomeCheckAt, last_error AS lastError, dead_letter_reason AS deadLetterReason,
  dead_letter_source AS deadLetterSource, dead_lettered_at AS deadLetteredAt`;

export type OutboxStore = ReturnType<typeof createOutboxStore>;

export function createOutboxStore(db: ConnectorDatabase) {
  const insert = db.prepare(`INSERT INTO outbox (message_id, correlation_id, to_agent_did, payload, conversation_id,
    reply_to, priority, priority_rank, traceparent, status, attempts, next_attempt_at, expires_at, created_at, updated_at)
    VALUES (@messageId, @correlationId, @toAgentDid, @payload, @conversationId, @replyTo, @priority, @priorityRank,
    @traceparent, 'queued', 0, @now, @expiresAt, @now, @now)`);
  const get = db.prepare(`SELECT ${OUTBOX_COLUMNS} FROM outbox WHERE message_id = ?`);
  // One statement claims and leases, so two claimers can never take the same row. A message never
  // overtakes an earlier queued one of its conversation (same recipient): the relay receives a
  // conversation in the order the runtime wrote it, even across retries.
  const claim = db.prepare(`UPDATE outbox SET lease_until = @leaseUntil WHERE message_id IN (
      SELECT o.message_id FROM outbox o WHERE o.status = 'queued' AND o.next_attempt_at <= @now
        AND (o.lease_until IS NULL OR o.lease_until <= @now)
        AND (o.conversation_id IS NULL OR NOT EXISTS (
          SELECT 1 FROM outbox e WHERE e.status = 'queued' AND e.to_agent_did = o.to_agent_did
            AND e.conversation_id = o.conversation_id AND e.message_id < o.message_id))
      ORDER BY o.priority_rank, o.next_attempt_at, o.message_id LIMIT @limit)
    RETURNING ${OUTBOX_COLUMNS}`);
  const release = db.prepare("UPDATE outbox SET lease_until = NULL WHERE message_id = ? AND status = 'queued'");
  const markRelayed = db.prepare(`UPDATE outbox SET status = 'relayed', attempts = attempts + 1, lease_until = NULL,
    relayed_at = @now, outcome_check_at = @outcomeCheckAt, updated_at = @now, last_error = NULL
    WHERE message_id = @messageId AND status = 'queued'`);
  const scheduleRetry = db.prepare(`UPDATE outbox SET attempts = attempts + @spent, lease_until = NULL,
    next_attempt_at = @nextAttemptAt, updated_at = @now, last_error = @error
    WHERE message_id = @messageId AND status = 'queued'`);
  const deadLetter = db.prepare(`UPDATE outbox SET status = 'dead_lettered', attempts = attempts + @spent,
    lease_until = NULL, updated_at = @now, last_error = @error, dead_letter_reason = @reason,
    dead_letter_source = 'local', dead_lettered_at = @now WHERE message_id = @messageId AND status = 'queued'
    RETURNING ${OUTBOX_COLUMNS}`);
  const expired = db.prepare(`SELECT message_id AS messageId FROM outbox
    WHERE status = 'queued' AND expires_at <= ? AND (lease_until IS NULL OR lease_until <= ?)`);
  const insertReceipt = db.prepare(`INSERT OR IGNORE INTO outbox_receipts (message_id, status, reason, at, recorded_at)
    VALUES (@messageId, @status, @reason, @at, @now)`);
  // A receipt is final: it ends any retry and overrides an `outcome_unknown` given up on, and
  // "delivered" is never downgraded by a later dead letter.
  const applyReceipt = db.prepare(`UPDATE outbox SET status = @status, lease_until = NULL, updated_at = @now,
    dead_letter_reason = CASE WHEN @status = 'dead_lettered' THEN @reason END,
    dead_letter_source = CASE WHEN @status = 'dead_lettered' THEN 'remote' END,
    dead_lettered_at = CASE WHEN @status = 'dead_lettered' THEN @now END
    WHERE message_id = @messageId AND status <> 'delivered_to_webhook'`);
  const receipts = db.prepare("SELECT status, reason, at FROM outbox_receipts WHERE message_id = ? ORDER BY at");

  const queue = createQueueQueries<OutboundState>(db, {
    table: "outbox",
    stateColumn: "status",
    waitingState: "queued",
    states: OUTBOUND_STATES,
  });

  return {
    insert(message: NewOutboxMessage, options: { now: number; ttlMs: number }): void {
      insert.run(toPrioritizedInsert(message, options));
    },
    get(messageId: string): OutboxRow | undefined {
      return get.get(messageId) as OutboxRow | undefined;
    },
    claimDue: createClaimDue<OutboxRow>(
      claim,
      (a, b) => toPriorityRank(a.priority) - toPriorityRank(b.priority) || a.nextAttemptAt - b.nextAttemptAt,
    ),
    /** Gives a claimed row back without spending an attempt (circuit open, shutting down). */
    release(messageId: string): void {
      release.run(messageId);
    },
    /**
     * The relay took it; `outcomeCheckAt` is when to ask for its outcome if no receipt came by then.
     * Not fsynced: a relay a power cut forgets is sent again, and the proxy answers it as a
     * duplicate of the same (sender, messageId).
     */
    markRelayed(input: { messageId: string; now: number; outcomeCheckAt: number }): boolean {
      return withoutFsync(db, () => markRelayed.run(input).changes === 1);
    },
    scheduleRetry(input: { messageId: string; now: number; nextAttemptAt: number; error: string; spent?: number }) {
      scheduleRetry.run({ spent: 1, ...input });
    },
    deadLetter(input: { messageId: string; now: number; reason: string; error: string | null; spent?: number }) {
      return deadLetter.get({ spent: 1, ...input }) as OutboxRow | undefined;
    },
    listExpired(now: number): string[] {
      return (expired.all(now, now) as { messageId: string }[]).map((row) => row.messageId);
    },
    recoverLeases: queue.recoverLeases,
    /** Records a relay receipt once per (message, status); false when it was already recorded. */
    recordReceipt(input: { messageId: string; status: ReceiptStatus; reason: string | null; at: number; now: number }) {
      const inserted = insertReceipt.run(input).changes === 1;
      if (inserted) applyReceipt.run(input);
      return inserted;
    },
    listReceipts(messageId: string): OutboxReceipt[] {
      return receipts.all(messageId) as OutboxReceipt[];
    },
    countByStatus: queue.countByState,
    /** When the next queued row becomes due (or its lease runs out), for the worker's timer. */
    nextDueAt: queue.nextDueAt,
  };
}
