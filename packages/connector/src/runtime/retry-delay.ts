import { computeBackoffMs, type Priority } from "@clawdentity/protocol";
import type { ConnectorTuning } from "../config";

export interface RetryPolicy {
  baseMs: number;
  maxMs: number;
  jitterRatio: number;
  random: () => number;
}

/**
 * Delay before attempt `attempt + 1`: exponential with jitter; `critical` skips the growth and
 * retries every base interval (PROTOCOL.md §4.1: critical skips backoff delays), and a remote's
 * Retry-After is a floor no priority goes under.
 */
export function computeRetryDelayMs(input: {
  attempt: number;
  priority: Priority;
  policy: RetryPolicy;
  retryAfterMs?: number | null;
}): number {
  const { attempt, priority, policy } = input;
  const backoff =
    priority === "critical"
      ? policy.baseMs
      : computeBackoffMs(attempt, {
          baseMs: policy.baseMs,
          maxMs: policy.maxMs,
          jitterRatio: policy.jitterRatio,
          random: policy.random,
        });
  return Math.max(backoff, input.retryAfterMs ?? 0);
}

/** The outbox policy (proxy calls, receipts) or the webhook policy (deliveries, runtime notices). */
export function resolveRetryPolicy(
  tuning: ConnectorTuning,
  kind: "outbox" | "webhook",
  random: () => number,
): RetryPolicy {
  return kind === "outbox"
    ? { baseMs: tuning.outboxRetryBaseMs, maxMs: tuning.outboxRetryMaxMs, jitterRatio: tuning.retryJitterRatio, random }
    : {
        baseMs: tuning.webhookRetryBaseMs,
        maxMs: tuning.webhookRetryMaxMs,
        jitterRatio: tuning.retryJitterRatio,
        random,
      };
}
