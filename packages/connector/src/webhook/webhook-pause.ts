import type { Clock } from "@clawdentity/sdk";
import type { Logger } from "../logger";
import type { RemoteOutcome } from "../proxy";
import { computeRetryDelayMs, type RetryPolicy } from "../runtime";

export interface WebhookPauseSnapshot {
  /** When the runtime first answered 401/403/404 (or redirected) in this pause. */
  since: number;
  /** When one call probes the target again. */
  nextAttemptAt: number;
  /** Misconfigured answers in a row (the backoff grows with them). */
  failures: number;
  lastError: string;
}

/**
 * The runtime webhook as a whole is misconfigured (a wrong URL or token answers 401/403/404):
 * every call would fail alike, so deliveries and notices pause together instead of each one
 * spending its attempts. While paused one call at a time probes the target, with a growing
 * backoff; a 2xx or a refusal of one message (the runtime accepted the credentials) resumes all.
 * Rows keep their TTL, so a target that stays wrong dead-letters them `webhook_misconfigured`
 * then, never sooner.
 */
export interface WebhookPause {
  /** Claims rows through the pause: all of `limit` while not paused, one probe once due, else none. */
  claim<Row>(limit: number, claimRows: (limit: number) => Row[]): Row[];
  /** Records the outcome of a claimed row's call. */
  record(outcome: RemoteOutcome): void;
  /** The delivery target changed (URL, headers, secret): try it at once. */
  reset(): void;
  isPaused(): boolean;
  /** When a paused queue should look again, or null while not paused. */
  nextAttemptAt(): number | null;
  snapshot(): WebhookPauseSnapshot | null;
}

export function createWebhookPause(options: {
  clock: Clock;
  policy: RetryPolicy;
  logger: Logger;
  /** Called when the pause ends, so parked queues scan at once. */
  onResume: () => void;
}): WebhookPause {
  const { clock, policy, logger } = options;
  let state: WebhookPauseSnapshot | null = null;
  let probeInFlight = false;

  const resume = (why: string) => {
    if (!state) return;
    logger.info("webhook deliveries resumed", { why, pausedSince: state.since });
    state = null;
    probeInFlight = false;
    options.onResume();
  };

  const misconfigured = (error: string, retryAfterMs: number | null) => {
    const now = clock.nowMs();
    if (state && !probeInFlight && now < state.nextAttemptAt) {
      // A call that was already in flight when the pause began: the pause stands as it is.
      state.lastError = error;
      return;
    }
    const failures = (state?.failures ?? 0) + 1;
    const delay = computeRetryDelayMs({ attempt: failures, priority: "normal", policy, retryAfterMs });
    if (!state) logger.warn("webhook misconfigured: deliveries paused", { error, retryInMs: delay });
    state = { since: state?.since ?? now, nextAttemptAt: now + delay, failures, lastError: error };
    probeInFlight = false;
  };

  return {
    claim(limit, claimRows) {
      if (!state) return claimRows(limit);
      if (probeInFlight || clock.nowMs() < state.nextAttemptAt) return [];
      const rows = claimRows(1);
      if (rows.length > 0) probeInFlight = true;
      return rows;
    },
    record(outcome) {
      switch (outcome.kind) {
        case "misconfigured":
          return misconfigured(outcome.error, outcome.retryAfterMs);
        case "accepted":
          return resume("accepted");
        case "permanent":
          return resume("answered");
        case "aborted":
          probeInFlight = false;
          return;
        default:
          // Throttled, 5xx or no answer: says nothing about the credentials. Probe again later.
          if (state && probeInFlight) {
            const delay = computeRetryDelayMs({
              attempt: state.failures,
              priority: "normal",
              policy,
              retryAfterMs: outcome.retryAfterMs,
            });
            state.nextAttemptAt = clock.nowMs() + delay;
            probeInFlight = false;
          }
      }
    },
    reset() {
      if (state) resume("delivery target changed");
    },
    isPaused: () => state !== null,
    nextAttemptAt: () => state?.nextAttemptAt ?? null,
    snapshot: () => (state ? { ...state } : null),
  };
}
