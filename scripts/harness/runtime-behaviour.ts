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
