import {
  CLAW_HEADERS,
  deliveryReceiptBatchResponseSchema,
  RELAY_BATCH_LIMITS,
  RELAY_PATHS,
} from "@clawdentity/protocol";
import type { CircuitBreaker } from "../circuit-breaker";
import type { ConnectorContext } from "../context";
import type { IdentityGate } from "../identity";
import { type ProxyClient, toBatchOutcome, toReceiptOutcome } from "../proxy";
import type { WorkerLoop } from "../runtime";
import { createJobWorker } from "./job-worker";

export interface ReceiptPosterDeps extends ConnectorContext {
  proxy: ProxyClient;
  breaker: CircuitBreaker;
  identity: IdentityGate;
}

const parseResults = (json: unknown) => deliveryReceiptBatchResponseSchema.safeParse(json).data?.results ?? null;

/**
 * Posts receipt-outbox rows, signed, to the own proxy's `/v1/relay/delivery-receipts`: what is due
 * in one `/batch` request (§4.5.1, each row judged by its own result), one by one on a proxy
 * without that route. Everything
 * but an answer the proxy can never change (`toReceiptOutcome`) retries with the outbox backoff
 * until `receiptTtlMs`, lastError showing why; then the row is failed, visible in `/v1/status`.
 */
export function createReceiptPoster(deps: ReceiptPosterDeps): WorkerLoop {
  return createJobWorker(deps, {
    name: "receipt poster",
    store: deps.storage.receiptOutbox,
    breaker: deps.breaker,
    identity: deps.identity,
    maxAttempts: Number.MAX_SAFE_INTEGER,
    backoff: "outbox",
    concurrency: deps.tuning.outboxConcurrency,
    outcomes: deps.metrics.receiptsPosted,
    call: async (row, signal) => {
      const body = JSON.parse(row.body) as { correlationId?: string };
      const headers: Record<string, string> = { [CLAW_HEADERS.messageId]: row.messageId };
      if (body.correlationId) headers[CLAW_HEADERS.correlationId] = body.correlationId;
      const result = await deps.proxy.post(RELAY_PATHS.deliveryReceipts, row.body, headers, signal);
      return toReceiptOutcome(result, deps.clock.nowMs());
    },
    batch: {
      maxRows: RELAY_BATCH_LIMITS.maxReceipts,
      async call(rows, signal) {
        const body = JSON.stringify({ receipts: rows.map((row) => JSON.parse(row.body)) });
        const answer = await deps.proxy.post(RELAY_PATHS.deliveryReceiptsBatch, body, {}, signal);
        return toBatchOutcome(answer, rows.length, deps.clock.nowMs(), toReceiptOutcome, parseResults);
      },
    },
  });
}
