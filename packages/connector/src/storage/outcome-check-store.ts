import { OUTBOUND_STATES, type OutboundState } from "@clawdentity/protocol";
import type { ConnectorDatabase } from "./database";
import { OUTBOX_COLUMNS, type OutboxRow } from "./outbox-store";
import { createClaimDue, createQueueQueries } from "./queue-queries";

export interface AwaitingOutcome {
  count: number;
  /** When the oldest of them was relayed, or null when none awaits an outcome. */
  oldestRelayedAt: number | null;
}

export type OutcomeCheckStore = ReturnType<typeof createOutcomeCheckStore>;

/**
 * Relayed outbox rows still waiting for their outcome: claimed under a lease when their outcome
 * check is due, rescheduled while the proxy knows no outcome, given up at their deadline. Every
 * write requires the row to still be `relayed`, so a receipt that settles it meanwhile wins.
 */
export function createOutcomeCheckStore(db: ConnectorDatabase) {
  const claim = db.prepare(`UPDATE outbox SET lease_until = @leaseUntil WHERE message_id IN (
      SELECT message_id FROM outbox WHERE status = 'relayed' AND outcome_check_at <= @now
        AND (lease_until IS NULL OR lease_until <= @now)
      ORDER BY outcome_check_at, message_id LIMIT @limit)
    RETURNING ${OUTBOX_COLUMNS}`);
  const release = db.prepare("UPDATE outbox SET lease_until = NULL WHERE message_id = ? AND status = 'relayed'");
  const reschedule = db.prepare(`UPDATE outbox SET outcome_check_at = @checkAt, lease_until = NULL,
    updated_at = @now, last_error = @error WHERE message_id = @messageId AND status = 'relayed'`);
  // The relay took the message, so resending it under the same messageId cannot help: `remote`.
  const giveUp = db.prepare(`UPDATE outbox SET status = 'dead_lettered', lease_until = NULL, updated_at = @now,
    last_error = COALESCE(@error, last_error), dead_letter_reason = @reason, dead_letter_source = 'remote',
    dead_lettered_at = @now WHERE message_id = @messageId AND status = 'relayed'`);
  const overdue = db.prepare(`SELECT ${OUTBOX_COLUMNS} FROM outbox WHERE status = 'relayed'
    AND relayed_at <= @relayedBefore AND (lease_until IS NULL OR lease_until <= @now)
    ORDER BY relayed_at LIMIT @limit`);
  const awaiting = db.prepare(`SELECT COUNT(*) AS count, MIN(relayed_at) AS oldestRelayedAt FROM outbox
    WHERE status = 'relayed'`);
  const queue = createQueueQueries<OutboundState>(db, {
    table: "outbox",
    stateColumn: "status",
    waitingState: "relayed",
    states: OUTBOUND_STATES,
    dueColumn: "outcome_check_at",
  });

  return {
    claimDue: createClaimDue<OutboxRow>(
      claim,
      (a, b) => (a.outcomeCheckAt ?? 0) - (b.outcomeCheckAt ?? 0) || a.messageId.localeCompare(b.messageId),
    ),
    /** Gives a claimed row back untouched (shutting down). */
    release(messageId: string): void {
      release.run(messageId);
    },
    /** No outcome yet: ask again at `checkAt`; `error` says why the last check told nothing. */
    reschedule(input: { messageId: string; now: number; checkAt: number; error: string | null }): void {
      reschedule.run(input);
    },
    /** Dead-letters a row whose outcome never came; false when something settled it first. */
    giveUp(input: { messageId: string; now: number; reason: string; error: string | null }): boolean {
      return giveUp.run(input).changes === 1;
    },
    /** Unleased rows relayed at or before `relayedBefore`, oldest first, at most `limit`. */
    listOverdue(input: { relayedBefore: number; now: number; limit: number }): OutboxRow[] {
      return overdue.all(input) as OutboxRow[];
    },
    awaitingOutcome(): AwaitingOutcome {
      return awaiting.get() as AwaitingOutcome;
    },
    nextDueAt: queue.nextDueAt,
    recoverLeases: queue.recoverLeases,
  };
}
