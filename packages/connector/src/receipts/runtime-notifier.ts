import type { CircuitBreaker } from "../circuit-breaker";
import type { ConnectorContext } from "../context";
import type { WorkerLoop } from "../runtime";
import type { RuntimeWebhookClient, WebhookPause } from "../webhook";
import { createJobWorker } from "./job-worker";

export interface RuntimeNotifierDeps extends ConnectorContext {
  webhook: RuntimeWebhookClient;
  breaker: CircuitBreaker;
  pause: WebhookPause;
}

/**
 * Sends `clawdentity.receipt.v1` and `clawdentity.notice.v1` notices to the runtime webhook with bounded retries
 * (`runtimeNotificationMaxAttempts`, webhook backoff), through the webhook's circuit breaker.
 */
export function createRuntimeNotifier(deps: RuntimeNotifierDeps): WorkerLoop {
  const { tuning } = deps;
  return createJobWorker(deps, {
    name: "runtime notifier",
    store: deps.storage.runtimeNotifications,
    breaker: deps.breaker,
    pause: deps.pause,
    maxAttempts: tuning.runtimeNotificationMaxAttempts,
    backoff: "webhook",
    concurrency: tuning.webhookConcurrency,
    outcomes: deps.metrics.runtimeNotifications,
    call: (row, signal) => {
      // A notice about the agent itself has no correlationId: its own id stands for both.
      const { correlationId = row.messageId } = JSON.parse(row.body) as { correlationId?: string };
      // One id per notice, the same on every retry: a message can have several notices.
      const webhookId = `${row.messageId}-n${row.id}`;
      return deps.webhook.post({ webhookId, messageId: row.messageId, correlationId, body: row.body }, signal);
    },
  });
}
