import {
  type MessageStatusResponse,
  messageStatusResponseSchema,
  RELAY_PATHS,
  type ReceiptStatus,
  receiptReasonSchema,
} from "@clawdentity/protocol";
import type { CircuitBreaker, CircuitPermit } from "../circuit-breaker";
import type { HttpResult } from "../http";
import type { IdentityGate } from "../identity";
import { toErrorMessage } from "../logger";
import { type ProxyClient, type RemoteOutcome, toProxyOutcome } from "../proxy";
import { recordOutboundReceipt } from "../receipts";
import {
  callGuarded,
  claimWithPermits,
  computeRetryDelayMs,
  createWorkerLoop,
  toNextWakeAt,
  type WorkerLoop,
} from "../runtime";
import type { OutboxRow } from "../storage";
import { deadLetterOutbound, type OutboundDeadLetterDeps } from "./outbound-dead-letter";

export interface OutcomeReconcilerDeps extends OutboundDeadLetterDeps {
  proxy: ProxyClient;
  breaker: CircuitBreaker;
  identity: IdentityGate;
}

/** Checks in flight at once: a background safety net, so it leaves the proxy to the outbox. */
const CHECK_CONCURRENCY = 2;
/** Overdue rows given up per scan, so one scan never holds the event loop for long. */
const OVERDUE_BATCH = 100;

interface TerminalOutcome {
  status: ReceiptStatus;
  reason: string | null;
  at: number;
}

/** What one outcome check learned: the outcome, or why there is none yet (for lastError and the counter). */
type CheckResult =
  | { kind: "settled"; outcome: TerminalOutcome }
  | { kind: "in_progress" | "not_found" | "failed"; note: string; retryAfterMs: number | null };

/** The receipt a terminal message status stands for; its `at` and reason come from the timeline. */
function toTerminalOutcome(answer: MessageStatusResponse, nowMs: number): TerminalOutcome | null {
  const { state } = answer;
  if (state !== "delivered_to_webhook" && state !== "dead_lettered") return null;
  const entry = answer.timeline.findLast((item) => item.event === state);
  const reason = state === "dead_lettered" ? receiptReasonSchema.safeParse(entry?.reason) : null;
  const at = entry ? Date.parse(entry.at) : Number.NaN;
  return { status: state, reason: reason?.success ? reason.data : null, at: Number.isNaN(at) ? nowMs : at };
}

function toCheckResult(
  row: OutboxRow,
  outcome: RemoteOutcome,
  reply: HttpResult | undefined,
  nowMs: number,
): CheckResult {
  const retryAfterMs = outcome.kind === "throttled" || outcome.kind === "transient" ? outcome.retryAfterMs : null;
  const error = "error" in outcome ? outcome.error : `HTTP ${reply?.status}`;
  if (reply?.status === 404) return { kind: "not_found", note: error, retryAfterMs };
  if (reply?.status !== 200) return { kind: "failed", note: error, retryAfterMs };
  const parsed = messageStatusResponseSchema.safeParse(reply.json);
  if (!parsed.success || parsed.data.messageId !== row.messageId) {
    return { kind: "failed", note: "the proxy answered an unreadable message status", retryAfterMs };
  }
  const terminal = toTerminalOutcome(parsed.data, nowMs);
  if (terminal) return { kind: "settled", outcome: terminal };
  return { kind: "in_progress", note: `the relay reports ${parsed.data.state}`, retryAfterMs };
}

/**
 * Sender-side reconciliation: a relayed message with no receipt `outcomeCheckAfterMs` after the
 * relay took it is looked up with a signed `GET /v1/relay/messages/:messageId` on the own proxy.
 * A terminal state settles it exactly as a `receipt` frame would; anything else asks again every
 * `outcomeCheckIntervalMs`. At `relayedAt + outcomeDeadlineMs` without an outcome it is
 * dead-lettered `outcome_unknown` and the runtime is told; a real receipt later still wins.
 */
export function createOutcomeReconciler(deps: OutcomeReconcilerDeps): WorkerLoop {
  const { storage, proxy, breaker, identity, clock, tuning, metrics, logger } = deps;
  const checks = storage.outcomeChecks;
  const policy = {
    baseMs: tuning.outcomeCheckIntervalMs,
    maxMs: tuning.outcomeCheckIntervalMs,
    jitterRatio: tuning.retryJitterRatio,
    random: deps.random,
  };
  const deadlineOf = (row: OutboxRow) => (row.relayedAt ?? row.updatedAt) + tuning.outcomeDeadlineMs;

  const giveUp = (row: OutboxRow, error: string | null) => {
    const reason = "outcome_unknown";
    const write = (now: number) => checks.giveUp({ messageId: row.messageId, now, reason, error });
    if (deadLetterOutbound(deps, { row, reason, error, write })) metrics.outcomeChecks.inc({ outcome: reason });
  };

  const settle = (row: OutboxRow, outcome: RemoteOutcome, reply: HttpResult | undefined) => {
    if (outcome.kind === "aborted") return checks.release(row.messageId);
    const now = clock.nowMs();
    const result = toCheckResult(row, outcome, reply, now);
    if (result.kind === "settled") {
      const fresh = recordOutboundReceipt(deps, {
        messageId: row.messageId,
        toAgentDid: row.toAgentDid,
        ...result.outcome,
      });
      metrics.outcomeChecks.inc({ outcome: result.outcome.status });
      logger.info("outcome learned from the proxy", { messageId: row.messageId, ...result.outcome, duplicate: !fresh });
      if (fresh) deps.onRuntimeNotice();
      return;
    }
    metrics.outcomeChecks.inc({ outcome: result.kind });
    if (now >= deadlineOf(row)) return giveUp(row, result.note);
    const delay = computeRetryDelayMs({ attempt: 1, priority: "normal", policy, retryAfterMs: result.retryAfterMs });
    checks.reschedule({
      messageId: row.messageId,
      now,
      checkAt: Math.min(now + delay, deadlineOf(row)),
      error: result.note,
    });
  };

  const check = (row: OutboxRow, permit: CircuitPermit) => async (signal: AbortSignal) => {
    const seen: { reply?: HttpResult } = {};
    const outcome = await callGuarded(permit, async () => {
      seen.reply = await proxy.get(`${RELAY_PATHS.messages}/${row.messageId}`, signal);
      return toProxyOutcome(seen.reply, clock.nowMs());
    });
    if (outcome.kind === "identity_refused") {
      // Asked again with the next identity; parked meanwhile (the deadline still applies).
      await identity.judgeRefusal(outcome);
      return checks.release(row.messageId);
    }
    settle(row, outcome, seen.reply);
  };

  // A row whose last check could not run (circuit open, a backlog) gets one check interval of grace.
  const giveUpOverdue = () => {
    const now = clock.nowMs();
    const relayedBefore = now - tuning.outcomeDeadlineMs - tuning.outcomeCheckIntervalMs;
    for (const row of checks.listOverdue({ relayedBefore, now, limit: OVERDUE_BATCH })) giveUp(row, row.lastError);
  };

  return createWorkerLoop({
    name: "outcome reconciler",
    clock,
    concurrency: CHECK_CONCURRENCY,
    maxIdleMs: tuning.maxIdleMs,
    claim(limit) {
      const now = clock.nowMs();
      const tasks = identity.halted()
        ? []
        : claimWithPermits(breaker, limit, (count) =>
            checks.claimDue({ now, leaseMs: tuning.leaseMs, limit: count }),
          ).map(({ row, permit }) => check(row, permit));
      giveUpOverdue();
      return tasks;
    },
    nextWakeAt: () => (identity.halted() ? null : toNextWakeAt(checks.nextDueAt(), breaker)),
    onError: (error) => logger.error("outcome reconciler error", { error: toErrorMessage(error) }),
  });
}
