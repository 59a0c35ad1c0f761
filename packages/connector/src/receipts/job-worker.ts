import type { CircuitBreaker, CircuitPermit } from "../circuit-breaker";
import type { Clock } from "../clock";
import { type Logger, toErrorMessage } from "../logger";
import type { Counter } from "../metrics";
import type { RemoteOutcome } from "../proxy";
import {
  callGuarded,
  claimWithPermits,
  computeRetryDelayMs,
  createWorkerLoop,
  type RetryPolicy,
  toNextWakeAt,
  type WorkerLoop,
} from "../runtime";
import type { JobRow, JobStore } from "../storage";

export interface JobWorkerDeps {
  name: string;
  store: JobStore;
  breaker: CircuitBreaker;
  /** Makes the call for one row and classifies the answer. */
  call(row: JobRow, signal: AbortSignal): Promise<RemoteOutcome>;
  /** Give up after this many attempts (the TTL always applies too). */
  maxAttempts: number;
  policy: RetryPolicy;
  clock: Clock;
  concurrency: number;
  leaseMs: number;
  maxIdleMs: number;
  outcomes: Counter;
  logger: Logger;
}

/** Posts queued JSON bodies with retries; used for delivery receipts and runtime receipt notices. */
export function createJobWorker(deps: JobWorkerDeps): WorkerLoop {
  const { store, clock, logger } = deps;

  const fail = (row: JobRow, error: string, spent: number) => {
    store.markFailed(row.id, clock.now(), error, spent);
    deps.outcomes.inc({ outcome: "failed" });
    logger.warn(`${deps.name} gave up`, { messageId: row.messageId, attempts: row.attempts + spent, error });
  };

  const settle = (row: JobRow, outcome: RemoteOutcome) => {
    const now = clock.now();
    if (outcome.kind === "aborted") return store.release(row.id);
    deps.outcomes.inc({ outcome: outcome.kind });
    if (outcome.kind === "accepted") return store.markDone(row.id, now);
    if (outcome.kind === "permanent") return fail(row, outcome.error, 1);
    const attempt = row.attempts + 1;
    const delay = computeRetryDelayMs({
      attempt,
      priority: "normal",
      policy: deps.policy,
      retryAfterMs: outcome.retryAfterMs,
    });
    if (attempt >= deps.maxAttempts || now + delay > row.expiresAt) return fail(row, outcome.error, 1);
    store.scheduleRetry({ id: row.id, now, nextAttemptAt: now + delay, error: outcome.error });
  };

  const run = (row: JobRow, permit: CircuitPermit) => async (signal: AbortSignal) => {
    settle(row, await callGuarded(permit, () => deps.call(row, signal)));
  };

  return createWorkerLoop({
    name: deps.name,
    clock,
    concurrency: deps.concurrency,
    maxIdleMs: deps.maxIdleMs,
    claim(limit) {
      const now = clock.now();
      return claimWithPermits(deps.breaker, limit, (count) =>
        store.claimDue({ now, leaseMs: deps.leaseMs, limit: count }),
      ).map(({ row, permit }) => run(row, permit));
    },
    nextWakeAt: () => toNextWakeAt(store.nextDueAt(), deps.breaker),
    onError: (error) => logger.error(`${deps.name} error`, { error: toErrorMessage(error) }),
  });
}
