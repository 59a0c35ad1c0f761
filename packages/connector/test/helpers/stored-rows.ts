import { systemClock } from "@clawdentity/sdk";
import { type CircuitBreaker, createCircuitBreaker } from "../../src/circuit-breaker";
import { connectorTuningSchema } from "../../src/config";
import type { ConnectorContext } from "../../src/context";
import { createWebhookDeliveryWorker } from "../../src/inbox";
import { silentLogger } from "../../src/logger";
import { createConnectorMetrics } from "../../src/metrics";
import { resolveRetryPolicy } from "../../src/runtime";
import type { ConnectorStorage, NewInboxMessage, NewOutboxMessage } from "../../src/storage";
import { createWebhookPause, type RuntimeWebhookClient } from "../../src/webhook";

/** A message as the inbox stores it from a deliver frame, its correlation id its own id. */
export function inboundMessage(input: { messageId: string; senderDid: string; toAgentDid: string }): NewInboxMessage {
  return {
    ...input,
    correlationId: input.messageId,
    payload: "{}",
    conversationId: null,
    replyTo: null,
    priority: "normal",
  };
}

/** A message as the local API queues it in the outbox, its correlation id its own id. */
export function outboundMessage(messageId: string, toAgentDid: string): NewOutboxMessage {
  return {
    messageId,
    correlationId: messageId,
    toAgentDid,
    payload: "{}",
    conversationId: null,
    replyTo: null,
    priority: "normal",
    traceparent: null,
  };
}

/**
 * A real webhook delivery worker over `storage` (default tuning, the real clock), calling the given
 * runtime webhook, not yet started; with the context its workers and frame handlers share.
 */
export function createTestWebhookWorker(
  storage: ConnectorStorage,
  webhook: RuntimeWebhookClient,
  breaker: CircuitBreaker = createCircuitBreaker({ failureThreshold: 5, openMs: 30_000, clock: systemClock }),
) {
  const tuning = connectorTuningSchema.parse({});
  const context: ConnectorContext = {
    storage,
    clock: systemClock,
    random: Math.random,
    tuning,
    metrics: createConnectorMetrics(),
    logger: silentLogger,
  };
  const worker = createWebhookDeliveryWorker({
    ...context,
    webhook,
    breaker,
    pause: createWebhookPause({
      clock: systemClock,
      policy: resolveRetryPolicy(tuning, "webhook", Math.random),
      logger: silentLogger,
      onResume: () => undefined,
    }),
    onReceiptQueued: () => undefined,
  });
  return { context, worker };
}
