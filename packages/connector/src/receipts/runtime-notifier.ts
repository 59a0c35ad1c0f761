import type { CircuitBreaker } from "../circuit-breaker";
import type { ConnectorContext } from "../context";
import { resolveRetryPolicy, type WorkerLoop } from "../runtime";
import type { RuntimeWebhookClient } from "../webhook";
import { createJobWorker } from "./job-worker";

export interface RuntimeNotifierDeps extends ConnectorContext {
  webhook: RuntimeWebhookClient;
  breaker: CircuitBreaker;
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
    policy: resolveRetryPolicy(tuning, "webhook", deps.random),
    clock,
    concurrency: tuning.webhookConcurrency,
    leaseMs: tuning.leaseMs,
    maxIdleMs: tuning.maxIdleMs,
    outcomes: deps.metrics.runtimeNotifications,
    logger: deps.logger,
    call: (row, signal) => {
      const { correlationId } = JSON.parse(row.body) as { correlationId: string };
      return deps.webhook.post({ messageId: row.messageId, correlationId, body: row.body }, signal);
    },
  });
}
