import type { ConnectorTuning } from "../../packages/connector/src/index.ts";
import type { WebhookResponder } from "./webhook-receiver";

/**
 * Webhook failures settled in well under a second instead of the defaults' 10 attempts over 24 h:
 * 3 attempts 100–200 ms apart, and a circuit that stays closed so each failure counts per message.
 */
export const FAST_WEBHOOK_DEAD_LETTER_TUNING: Partial<ConnectorTuning> = {
  webhookRetryBaseMs: 100,
  webhookRetryMaxMs: 200,
  webhookMaxAttempts: 3,
  circuitFailureThreshold: 100,
};

/** A runtime whose answer the sender chooses: a delivery whose payload has `fail: <status>` gets that status. */
export const answerWithPayloadFailStatus: WebhookResponder = (body) => {
  if (body.type !== "clawdentity.delivery.v1") return 200;
  const fail = (body.payload as { fail?: unknown } | undefined)?.fail;
  return typeof fail === "number" ? fail : 200;
};

/**
 * Recovery within seconds instead of minutes: short retry, reconnect and circuit timings, a
 * heartbeat that notices a silent socket in 3 s, and a sender that asks the proxy for the outcome of
 * a message still without a receipt 20 s after relaying it (its deadline stays far beyond a
 * scenario, so it never turns a late receipt into a dead letter here). Everything else (durability,
 * concurrency) as shipped.
 */
export const FAST_RECOVERY_TUNING: Partial<ConnectorTuning> = {
  outboxRetryBaseMs: 200,
  outboxRetryMaxMs: 2_000,
  webhookRetryBaseMs: 200,
  webhookRetryMaxMs: 2_000,
  reconnectBaseMs: 200,
  reconnectMaxMs: 1_000,
  circuitOpenMs: 1_000,
  heartbeatIntervalMs: 1_000,
  deadSocketAfterMs: 3_000,
  relayRequestTimeoutMs: 3_000,
  outcomeCheckAfterMs: 20_000,
  outcomeCheckIntervalMs: 5_000,
  outcomeDeadlineMs: 600_000,
};

/**
 * The proxy's side of the same: quick redelivery, acks given up on after 5 s, receipts re-published
 * after 3 s, and a sender limit above the bursts.
 */
export const FAST_RECOVERY_PROXY_VARS: Record<string, string> = {
  // The operator's per-sender limit bounds every pairing's; bursts of hundreds must stay under it.
  SENDER_RATE_LIMIT_PER_MINUTE: "100000",
  RELAY_RETRY_BASE_MS: "200",
  RELAY_RETRY_MAX_MS: "2000",
  RELAY_ACK_TIMEOUT_MS: "5000",
  NOTICE_RETRY_BASE_MS: "200",
  NOTICE_RETRY_MAX_MS: "2000",
  QUEUE_RETRY_BASE_MS: "500",
  QUEUE_RETRY_MAX_MS: "2000",
  RELAY_RECEIPT_CONFIRM_TIMEOUT_MS: "3000",
};
