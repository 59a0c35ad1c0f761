import { type Priority, toPriorityRank } from "@clawdentity/protocol";
import type { ConnectorDatabase } from "./database";
import { createClaimDue, createQueueQueries, toPrioritizedInsert } from "./queue-queries";

export const INBOX_STATUSES = ["pending", "delivered", "dead_lettered", "purged"] as const;
export type InboxStatus = (typeof INBOX_STATUSES)[number];

export interface InboxRow {
  seq: number;
  senderDid: string;
  messageId: string;
  correlationId: string;
  toAgentDid: string;
  /** The payload as JSON text. */
  payload: string;
  conversationId: string | null;
  replyTo: string | null;
  priority: Priority;
  status: InboxStatus;
  attempts: number;
  nextAttemptAt: number;
  leaseUntil: number | null;
  receivedAt: number;
  expiresAt: number;
  updatedAt: number;
  deliveredAt: number | null;
  lastError: string | null;
  deadLetterReason: string | null;
  deadLetteredAt: number | null;
}

export type NewInboxMessage = Pick<
  InboxRow,
  "senderDid" | "messageId" | "correlationId" | "toAgentDid" | "payload" | "conversationId" | "replyTo" | "priority"
>;

const COLUMNS = `seq, sender_did AS senderDid, message_id AS messageId, correlation_id AS correlationId,
  to_agent_did AS toAgentDid, payload, conversation_id AS conversationId, reply_to AS replyTo, priority, status,
  attempts, next_attempt_at AS nextAttemptAt, lease_until AS leaseUntil, received_at AS receivedAt,
  expires_at AS expiresAt, updated_at AS updatedAt, delivered_at AS deliveredAt, last_error AS lastError,
  dead_letter_reason AS deadLetterReason, dead_lettered_at AS deadLetteredAt`;

export type InboxStore = ReturnType<typeof createInboxStore>;

export function createInboxStore(db: ConnectorDatabase) {
  // Unique on (sender, messageId): a redelivered frame is a no-op, also after delivery, until retention prunes it.
  const insert = db.prepare(`INSERT OR IGNORE INTO inbox (sender_did, message_id, correlation_id, to_agent_did, payload,
    conversation_id, reply_to, priority, priority_rank, status, attempts, next_attempt_at, received_at, expires_at,
    updated_at) VALUES (@senderDid, @messageId, @correlationId, @toAgentDid, @payload, @conversationId, @replyTo,
    @priority, @priorityRank, 'pending', 0, @now, @now, @expiresAt, @now)`);
  // Priority first, arrival order within it, and never past an earlier undelivered message of the same
  // conversation (scoped to its sender, so one sender cannot stall another's conversation).
  const claim = db.prepare(`UPDATE inbox SET lease_until = @leaseUntil WHERE seq IN (
      SELECT i.seq FROM inbox i
      WHERE i.status = 'pending' AND i.next_attempt_at <= @now AND (i.lease_until IS NULL OR i.lease_until <= @now)
        AND (i.conversation_id IS NULL OR NOT EXISTS (
          SELECT 1 FROM inbox e WHERE e.status = 'pending' AND e.sender_did = i.sender_did
            AND e.conversation_id = i.conversation_id AND e.seq < i.seq))
      ORDER BY i.priority_rank, i.seq LIMIT @limit)
    RETURNING ${COLUMNS}`);
  const get = db.prepare(`SELECT ${COLUMNS} FROM inbox WHERE seq = ?`);
  const find = db.prepare(`SELECT ${COLUMNS} FROM inbox WHERE sender_did = ? AND message_id = ?`);
  const release = db.prepare("UPDATE inbox SET lease_until = NULL WHERE seq = ? AND status = 'pending'");
  const markDelivered = db.prepare(`UPDATE inbox SET status = 'delivered', attempts = attempts + 1, lease_until = NULL,
    delivered_at = @now, updated_at = @now, last_error = NULL WHERE seq = @seq AND status = 'pending'`);
  const scheduleRetry = db.prepare(`UPDATE inbox SET attempts = attempts + 1, lease_until = NULL,
    next_attempt_at = @nextAttemptAt, updated_at = @now, last_error = @error WHERE seq = @seq AND status = 'pending'`);
  // Waiting for a misconfigured webhook to be fixed spends no attempt: only the TTL bounds it.
  const postpone = db.prepare(`UPDATE inbox SET lease_until = NULL, next_attempt_at = @nextAttemptAt,
    updated_at = @now, last_error = @error WHERE seq = @seq AND status = 'pending'`);
  const deadLetter = db.prepare(`UPDATE inbox SET status = 'dead_lettered', attempts = attempts + @spent,
    lease_until = NULL, updated_at = @now, last_error = @error, dead_letter_reason = @reason, dead_lettered_at = @now
    WHERE seq = @seq AND status = 'pending' RETURNING ${COLUMNS}`);
  const expired = db.prepare(`SELECT seq FROM inbox WHERE status = 'pending' AND expires_at <= ?
    AND (lease_until IS NULL OR lease_until <= ?)`);
  const lastReceived = db.prepare("SELECT message_id AS messageId FROM inbox ORDER BY seq DESC LIMIT 1");

  const queue = createQueueQueries<InboxStatus>(db, {
    table: "inbox",
    stateColumn: "status",
    waitingState: "pending",
    states: INBOX_STATUSES,
  });

  return {
    /** Stores a delivered frame; false when (sender, messageId) is already known. */
    accept(message: NewInboxMessage, options: { now: number; ttlMs: number }): boolean {
      return insert.run(toPrioritizedInsert(message, options)).changes === 1;
    },
    claimDue: createClaimDue<InboxRow>(
      claim,
      (a, b) => toPriorityRank(a.priority) - toPriorityRank(b.priority) || a.seq - b.seq,
    ),
    get(seq: number): InboxRow | undefined {
      return get.get(seq) as InboxRow | undefined;
    },
    find(senderDid: string, messageId: string): InboxRow | undefined {
      return find.get(senderDid, messageId) as InboxRow | undefined;
    },
    release(seq: number): void {
      release.run(seq);
    },
    markDelivered(seq: number, now: number): boolean {
      return markDelivered.run({ seq, now }).changes === 1;
    },
    scheduleRetry(input: { seq: number; now: number; nextAttemptAt: number; error: string }): void {
      scheduleRetry.run(input);
    },
    /** Back in the queue at `nextAttemptAt` without spending an attempt. */
    postpone(input: { seq: number; now: number; nextAttemptAt: number; error: string }): void {
      postpone.run(input);
    },
    deadLetter(input: { seq: number; now: number; reason: string; error: string | null; spent?: number }) {
      return deadLetter.get({ spent: 1, ...input }) as InboxRow | undefined;
    },
    listExpired(now: number): number[] {
      return (expired.all(now, now) as { seq: number }[]).map((row) => row.seq);
    },
    recoverLeases: queue.recoverLeases,
    lastReceivedMessageId(): string | undefined {
      return (lastReceived.get() as { messageId: string } | undefined)?.messageId;
    },
    countByStatus: queue.countByState,
    nextDueAt: queue.nextDueAt,
  };
}
