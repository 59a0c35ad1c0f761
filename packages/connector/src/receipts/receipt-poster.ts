import { CLAW_HEADERS, RELAY_PATHS } from "@clawdentity/protocol";
import type { CircuitBreaker } from "../circuit-breaker";
import type { Clock } from "../clock";
import type { ConnectorTuning } from "../config";
import type { Logger } from "../logger";
import type { ConnectorMetrics } from "../metrics";
import { type ProxyClient, toProxyOutcome } from "../proxy";
import type { WorkerLoop } from "../runtime";
import type { ConnectorStorage } from "../storage";
import { createJobWorker } from "./job-worker";

export interface ReceiptPosterDeps {
  storage: ConnectorStorage;
  proxy: ProxyClient;
  breaker: CircuitBreaker;
  clock: Clock;
  random: () => number;
  tuning: ConnectorTuning;
  metrics: ConnectorMetrics;
  logger: Logger;
}

/**
 * Posts receipt-outbox rows, signed, to the own proxy's `/v1/relay/delivery-receipts`. Transient
 * failures retry with the outbox backoff until `receiptTtlMs`; a 4xx (the proxy does not know
 * that delivery) marks the row failed, visible in `/v1/status`.
 */
export function createReceiptPoster(deps: ReceiptPosterDeps): WorkerLoop {
  const { tuning, clock } = deps;
  return createJobWorker({
    name: "receipt poster",
    store: deps.storage.receiptOutbox,
    breaker: deps.breaker,
    maxAttempts: Number.MAX_SAFE_INTEGER,
    policy: {
      baseMs: tuning.outboxRetryBaseMs,
      maxMs: tuning.outboxRetryMaxMs,
      jitterRatio: tuning.retryJitterRatio,
      random: deps.random,
    },
    clock,
    concurrency: tuning.outboxConcurrency,
    leaseMs: tuning.leaseMs,
    maxIdleMs: tuning.maxIdleMs,
    outcomes: deps.metrics.receiptsPosted,
    logger: deps.logger,
    call: async (row, signal) => {
      const body = JSON.parse(row.body) as { correlationId?: string };
      const headers: Record<string, string> = { [CLAW_HEADERS.messageId]: row.messageId };
      if (body.correlationId) headers[CLAW_HEADERS.correlationId] = body.correlationId;
      const result = await deps.proxy.post(RELAY_PATHS.deliveryReceipts, row.body, headers, signal);
      return toProxyOutcome(result, clock.now());
    },
  });
}
