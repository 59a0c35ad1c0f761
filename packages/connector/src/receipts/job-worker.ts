import type { CircuitBreaker, CircuitPermit } from "../circuit-breaker";
import type { ConnectorContext } from "../context";
import type { IdentityGate } from "../identity";
import { toErrorMessage } from "../logger";
import type { Counter } from "../metrics";
import type { BatchOutcome, RemoteOutcome } from "../proxy";
import {
  acquirePermits,
  callGuarded,
  claimWithPermits,
  computeRetryDelayMs,
  createWorkerLoop,
  resolveRetryPolicy,
  settleBatch,
  toNextWakeAt,
  type WorkerLoop,
} from "../runtime";
import { createGroupCommit, type JobRow, type JobStore } from "../storage";
import type { WebhookPause } from "../webhook";

/** What one job queue adds to the connector context: its store, its target and its limits. */
export interface JobWorkerOptions {
  name: string;
  store: JobStore;
  breaker: CircuitBreaker;
  /** Makes the call for one row and classifies the answer. */
  call(row: JobRow, signal: AbortSignal): Promise<RemoteOutcome>;
  /** Give up after this many attempts (the TTL always applies too). */
  maxAttempts: number;
  /** Which of the tuning's backoffs the retries follow. */
  backoff: "outbox" | "webhook";
  concurrency: number;
  outcomes: Counter;
  /** Calls to the runtime webhook: paused with deliveries while its target is misconfigured. */
  pause?: WebhookPause;
  /** Calls signed with the agent's identity (to the proxy): parked while it is expired or revoked. */
  identity?: IdentityGate;
  /**
   * Many rows in one call, each with its own outcome, until the remote answers it has no such
   * route (then `call` per row). A lone row always takes `call`.
   */
  batch?: { maxRows: number; call(rows: JobRow[], signal: AbortSignal): Promise<BatchOutcome> };
}

/** Posts queued JSON bodies with retries; used for delivery receipts and runtime receipt notices. */
export function createJobWorker(context: ConnectorContext, options: JobWorkerOptions): WorkerLoop {
  const { clock, logger, tuning } = context;
  const { store } = options;
  const policy = resolveRetryPolicy(tuning, options.backoff, context.random);

  const fail = (row: JobRow, error: string, spent: number) => {
    store.markFailed(row.id, clock.nowMs(), error, spent);
    options.outcomes.inc({ outcome: "failed" });
    logger.warn(`${options.name} gave up`, { messageId: row.messageId, attempts: row.attempts + spent, error });
  };

  // What the remote took is marked done without waiting for the disk (a power cut only posts it
  // again, and the remote takes a repeat as one): the jobs answered in one turn share one commit.
  const settleSoon = createGroupCommit(context.storage, { fsync: false });
  const markDone = async (rows: JobRow[]) => {
    const now = clock.nowMs();
    await settleSoon(() =>
      store.markAllDone(
        rows.map((row) => row.id),
        now,
      ),
    );
    options.outcomes.inc({ outcome: "accepted" }, rows.length);
  };

  const settle = async (row: JobRow, outcome: RemoteOutcome) => {
    const now = clock.nowMs();
    if (outcome.kind === "aborted") return store.release(row.id);
    if (outcome.kind === "identity_refused") {
      options.outcomes.inc({ outcome: outcome.kind });
      // A revoked agent can never post it; an expired AIT waits (parked) for the owner's reissue.
      const verdict = options.identity ? await options.identity.judgeRefusal(outcome) : "halted";
      if (verdict === "halted" && options.identity?.halted() !== "expired") return fail(row, outcome.error, 1);
      return store.release(row.id);
    }
    options.pause?.record(outcome);
    if (outcome.kind === "accepted") return markDone([row]);
    options.outcomes.inc({ outcome: outcome.kind });
    if (outcome.kind === "permanent") return fail(row, outcome.error, 1);
    if (outcome.kind === "misconfigured") {
      if ((options.pause?.nextAttemptAt() ?? now) > row.expiresAt) return fail(row, outcome.error, 0);
      // Stays due without spending an attempt; the pause decides when the next call goes.
      return store.postpone({ id: row.id, now, nextAttemptAt: now, error: outcome.error });
    }
    const attempt = row.attempts + 1;
    const delay = computeRetryDelayMs({
      attempt,
      priority: "normal",
      policy,
      retryAfterMs: outcome.retryAfterMs,
    });
    if (attempt >= options.maxAttempts || now + delay > row.expiresAt) return fail(row, outcome.error, 1);
    store.scheduleRetry({ id: row.id, now, nextAttemptAt: now + delay, error: outcome.error });
  };

  const run = (row: JobRow, permit: CircuitPermit) => async (signal: AbortSignal) => {
    await settle(row, await callGuarded(permit, () => options.call(row, signal)));
  };

  let batchRoute = options.batch !== undefined;
  const runBatch = (rows: JobRow[], permit: CircuitPermit) => async (signal: AbortSignal) => {
    let outcomes: RemoteOutcome[] = [];
    const whole = await callGuarded(permit, async () => {
      const batch = await (options.batch as NonNullable<JobWorkerOptions["batch"]>).call(rows, signal);
      if (batch.kind === "items") outcomes = batch.outcomes;
      if (batch.kind === "missing_route") batchRoute = false;
      // Without the route the rows go back untouched and are posted one by one from now on.
      return batch.kind === "whole" ? batch.outcome : { kind: batch.kind === "items" ? "accepted" : "aborted" };
    });
    await settleBatch({ rows, outcomes, whole, settle, settleAccepted: markDone });
  };

  /** One permit for one batch of what is due; a lone row takes the single call. */
  const claimBatch = (now: number, maxRows: number) => {
    const [permit] = acquirePermits(options.breaker, 1);
    if (!permit) return [];
    const rows = store.claimDue({ now, leaseMs: tuning.leaseMs, limit: maxRows });
    if (rows.length === 0) permit.release();
    if (rows.length <= 1) return rows.map((row) => run(row, permit));
    return [runBatch(rows, permit)];
  };

  return createWorkerLoop({
    name: options.name,
    clock,
    concurrency: options.concurrency,
    maxIdleMs: tuning.maxIdleMs,
    claim(limit) {
      if (options.identity?.halted()) return [];
      const now = clock.nowMs();
      if (batchRoute && options.batch && !options.pause) return claimBatch(now, options.batch.maxRows);
      const claimRows = (allowed: number) =>
        claimWithPermits(options.breaker, allowed, (count) =>
          store.claimDue({ now, leaseMs: tuning.leaseMs, limit: count }),
        );
      const claimed = options.pause ? options.pause.claim(limit, claimRows) : claimRows(limit);
      return claimed.map(({ row, permit }) => run(row, permit));
    },
    nextWakeAt: () =>
      options.identity?.halted()
        ? null
        : toNextWakeAt(store.nextDueAt(), options.breaker, options.pause?.nextAttemptAt() ?? 0),
    onError: (error) => logger.error(`${options.name} error`, { error: toErrorMessage(error) }),
  });
}
