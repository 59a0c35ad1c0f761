/** PROTOCOL.md §10 defaults; every component lets config override them. */
export const DEFAULTS = {
  relayQueueCapacity: 5_000,
  relayMessageTtlMs: 6 * 3_600_000,
  relayRetryBaseMs: 1_000,
  relayRetryMaxMs: 60_000,
  retryJitterRatio: 0.2,
  relayMaxAttempts: 20,
  relayInFlightWindow: 16,
  /** The window of a socket that takes batch frames: its acks come a batch at a time. */
  relayBatchWindow: 64,
  outboxRetryBaseMs: 1_000,
  outboxRetryMaxMs: 5 * 60_000,
  outboxTtlMs: 24 * 3_600_000,
  webhookTimeoutMs: 10_000,
  webhookRetryBaseMs: 1_000,
  webhookRetryMaxMs: 5 * 60_000,
  webhookMaxAttempts: 10,
  webhookTtlMs: 24 * 3_600_000,
  heartbeatIntervalMs: 30_000,
  deadSocketAfterMs: 60_000,
  circuitFailureThreshold: 5,
  circuitOpenMs: 30_000,
  deadLetterRetentionMs: 7 * 86_400_000,
  senderRateLimitPerMinute: 60,
  pairingTicketTtlSeconds: 300,
  challengeTtlSeconds: 300,
} as const;

/** Exponential backoff with symmetric jitter: base·2^(attempt-1), capped, ±ratio. */
export function computeBackoffMs(
  attempt: number,
  options: { baseMs: number; maxMs: number; jitterRatio?: number; random?: () => number },
): number {
  const { baseMs, maxMs, jitterRatio = DEFAULTS.retryJitterRatio, random = Math.random } = options;
  const exponent = Math.max(0, attempt - 1);
  const raw = Math.min(maxMs, baseMs * 2 ** Math.min(exponent, 30));
  const jitter = raw * jitterRatio * (random() * 2 - 1);
  return Math.max(0, Math.round(raw + jitter));
}
