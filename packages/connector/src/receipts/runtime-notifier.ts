import { CLAW_HEADERS, DELIVERY_CONTENT_TYPE } from "@clawdentity/protocol";
import type { CircuitBreaker } from "../circuit-breaker";
import type { Clock } from "../clock";
import type { ConnectorTuning } from "../config";
import { callHttp, type FetchLike } from "../http";
import type { Logger } from "../logger";
import type { ConnectorMetrics } from "../metrics";
import { toWebhookOutcome } from "../proxy";
import type { WorkerLoop } from "../runtime";
import type { ConnectorStorage } from "../storage";
import { createJobWorker } from "./job-worker";

export interface RuntimeNotifierDeps {
  storage: ConnectorStorage;
  deliveryWebhookUrl: string;
  fetch: FetchLike;
  breaker: CircuitBreaker;
  clock: Clock;
  random: () => number;
  tuning: ConnectorTuning;
  metrics: ConnectorMetrics;
  logger: Logger;
}

/**
 * Sends `clawdentity.receipt.v1` notices to the runtime webhook with bounded retries
 * (`runtimeNotificationMaxAttempts`, webhook backoff), through the webhook's circuit breaker.
 */
export function createRuntimeNotifier(deps: RuntimeNotifierDeps): WorkerLoop {
  const { tuning, clock } = deps;
  return createJobWorker({
    name: "runtime notifier",
    store: deps.storage.runtimeNotifications,
    breaker: deps.breaker,
    maxAttempts: tuning.runtimeNotificationMaxAttempts,
    policy: {
      baseMs: tuning.webhookRetryBaseMs,
      maxMs: tuning.webhookRetryMaxMs,
      jitterRatio: tuning.retryJitterRatio,
      random: deps.random,
    },
    clock,
    concurrency: tuning.webhookConcurrency,
    leaseMs: tuning.leaseMs,
    maxIdleMs: tuning.maxIdleMs,
    outcomes: deps.metrics.runtimeNotifications,
    logger: deps.logger,
    call: async (row, signal) => {
      const body = JSON.parse(row.body) as { correlationId: string };
      const result = await callHttp({
        fetch: deps.fetch,
        url: deps.deliveryWebhookUrl,
        method: "POST",
        headers: {
          "content-type": DELIVERY_CONTENT_TYPE,
          [CLAW_HEADERS.messageId]: row.messageId,
          [CLAW_HEADERS.correlationId]: body.correlationId,
        },
        body: row.body,
        timeoutMs: tuning.webhookTimeoutMs,
        signal,
      });
      return toWebhookOutcome(result, clock.now());
    },
  });
}
