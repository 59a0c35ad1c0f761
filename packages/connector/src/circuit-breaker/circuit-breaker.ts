import type { CircuitState } from "@clawdentity/protocol";
import type { Clock } from "@clawdentity/sdk";

export interface CircuitPermit {
  /** True for the single half-open probe. */
  readonly trial: boolean;
  succeed(): void;
  fail(): void;
  /** Gives the permit back without an outcome (the request was aborted or never made). */
  release(): void;
}

export interface CircuitBreakerSnapshot {
  state: CircuitState;
  consecutiveFailures: number;
  openedAt: number | null;
  nextTrialAt: number | null;
}

export interface CircuitBreaker {
  /** A permit to call the remote, or null while the circuit is open (callers park their work). */
  acquire(): CircuitPermit | null;
  snapshot(): CircuitBreakerSnapshot;
}

export interface CircuitBreakerOptions {
  failureThreshold: number;
  openMs: number;
  clock: Clock;
  onStateChange?: (state: CircuitState) => void;
}

/**
 * closed → (N consecutive failures) → open → (after openMs) → half_open with one trial request →
 * closed on success, open again on failure. While open nothing is attempted, so queued work keeps
 * its attempt budget.
 */
export function createCircuitBreaker(options: CircuitBreakerOptions): CircuitBreaker {
  const { failureThreshold, openMs, clock, onStateChange } = options;
  let state: CircuitState = "closed";
  let consecutiveFailures = 0;
  let openedAt: number | null = null;
  let trialInFlight = false;

  const moveTo = (next: CircuitState) => {
    if (next === state) return;
    state = next;
    onStateChange?.(next);
  };
  const open = () => {
    openedAt = clock.nowMs();
    moveTo("open");
  };
  const close = () => {
    consecutiveFailures = 0;
    openedAt = null;
    moveTo("closed");
  };

  const closedPermit = (): CircuitPermit => ({
    trial: false,
    succeed() {
      if (state === "closed") consecutiveFailures = 0;
    },
    fail() {
      if (state !== "closed") return;
      consecutiveFailures += 1;
      if (consecutiveFailures >= failureThreshold) open();
    },
    release() {},
  });

  const trialPermit = (): CircuitPermit => {
    let settled = false;
    const settle = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      trialInFlight = false;
      outcome();
    };
    return {
      trial: true,
      succeed: () => settle(close),
      fail: () =>
        settle(() => {
          consecutiveFailures += 1;
          open();
        }),
      release: () => settle(() => {}),
    };
  };

  return {
    acquire() {
      if (state === "closed") return closedPermit();
      if (state === "open") {
        if (openedAt !== null && clock.nowMs() < openedAt + openMs) return null;
        moveTo("half_open");
      }
      if (trialInFlight) return null;
      trialInFlight = true;
      return trialPermit();
    },
    snapshot() {
      return {
        state,
        consecutiveFailures,
        openedAt,
        nextTrialAt: state === "open" && openedAt !== null ? openedAt + openMs : null,
      };
    },
  };
}
