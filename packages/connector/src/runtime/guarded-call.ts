import type { CircuitBreaker, CircuitPermit } from "../circuit-breaker";
import { type RemoteOutcome, toCallErrorOutcome } from "../proxy";

/**
 * Takes up to `limit` permits before any row is claimed: while the circuit is open this is none,
 * so rows stay parked in the table with their attempt budget intact; half-open yields one trial.
 */
export function acquirePermits(breaker: CircuitBreaker, limit: number): CircuitPermit[] {
  const permits: CircuitPermit[] = [];
  while (permits.length < limit) {
    const permit = breaker.acquire();
    if (!permit) break;
    permits.push(permit);
    if (permit.trial) break;
  }
  return permits;
}

/**
 * Makes one remote call under a permit. Only failures that say the remote is unwell count against
 * the circuit; any real answer, even a refusal, proves it is up.
 */
export async function callGuarded(permit: CircuitPermit, call: () => Promise<RemoteOutcome>): Promise<RemoteOutcome> {
  let outcome: RemoteOutcome;
  try {
    outcome = await call();
  } catch (error) {
    try {
      outcome = toCallErrorOutcome(error);
    } catch (unexpected) {
      permit.release();
      throw unexpected;
    }
  }
  if (outcome.kind === "aborted") permit.release();
  else if (outcome.kind === "transient" && outcome.circuitFailure) permit.fail();
  else permit.succeed();
  return outcome;
}

/** Claims rows for the permits taken and hands back the permits no row needed. */
export function claimWithPermits<Row>(
  breaker: CircuitBreaker,
  limit: number,
  claim: (limit: number) => Row[],
): Array<{ row: Row; permit: CircuitPermit }> {
  const permits = acquirePermits(breaker, limit);
  if (permits.length === 0) return [];
  const rows = claim(permits.length);
  for (const unused of permits.slice(rows.length)) unused.release();
  return rows.map((row, index) => ({ row, permit: permits[index] as CircuitPermit }));
}

/** When a parked queue should look again: not before the circuit's next trial. */
export function toNextWakeAt(nextDueAt: number | null, breaker: CircuitBreaker, notBefore = 0): number | null {
  if (nextDueAt === null) return null;
  return Math.max(nextDueAt, breaker.snapshot().nextTrialAt ?? 0, notBefore);
}

/**
 * Settles the rows of one batch call, row `i` by `outcomes[i]` (the whole call's outcome when the
 * remote gave none for it): each refused row by its own outcome first, so a pause one of them
 * starts (a 429, a misconfigured target) holds the next claim, then every accepted row together.
 */
export async function settleBatch<Row>(input: {
  rows: readonly Row[];
  outcomes: readonly RemoteOutcome[];
  whole: RemoteOutcome;
  settle(row: Row, outcome: RemoteOutcome): Promise<unknown>;
  settleAccepted(rows: Row[]): Promise<unknown>;
}): Promise<void> {
  const accepted: Row[] = [];
  for (const [index, row] of input.rows.entries()) {
    const outcome = input.outcomes[index] ?? input.whole;
    if (outcome.kind === "accepted") accepted.push(row);
    else await input.settle(row, outcome);
  }
  if (accepted.length > 0) await input.settleAccepted(accepted);
}
