import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { QUEUE_NAMES } from "@clawdentity/protocol";
import { createUlid } from "@clawdentity/sdk";
import { createRegistryClient, createRegistryFetch } from "../../src/auth";
import { parseProxyConfig } from "../../src/config";
import { createMetricsBuffer } from "../../src/metrics";
import { handleQueueBatch, type QueueContext } from "../../src/queues";
import { toRelaySession } from "../../src/relay-sessions";
import worker from "../../src/worker";
import type { ManualClock } from "./manual-clock";

/** The local environment's queues (`wrangler.jsonc` top level: each name with `-local`). */
export const QUEUES = {
  events: `${QUEUE_NAMES.events}-local`,
  eventsDlq: `${QUEUE_NAMES.eventsDlq}-local`,
  receipts: `${QUEUE_NAMES.receipts}-local`,
  receiptsDlq: `${QUEUE_NAMES.receiptsDlq}-local`,
} as const;

export interface QueuedBody {
  body: unknown;
  id?: string;
  attempts?: number;
  /** When the message was enqueued; now by default. */
  timestamp?: Date;
}

const toBatch = (queue: string, bodies: QueuedBody[]) =>
  createMessageBatch(
    queue,
    bodies.map(({ body, id, attempts, timestamp }) => ({
      id: id ?? createUlid(),
      timestamp: timestamp ?? new Date(),
      attempts: attempts ?? 1,
      body,
    })),
  );

/** Delivers a batch through the Worker entry's `queue()`, as the runtime would; returns each message's fate. */
export async function runQueueBatch(queue: string, bodies: QueuedBody[]) {
  const batch = toBatch(queue, bodies);
  const ctx = createExecutionContext();
  await worker.queue(batch, env, ctx);
  return getQueueResult(batch, ctx);
}

/**
 * Delivers a batch straight to the dispatcher with a test context: a manual clock, no jitter,
 * optionally a session accessor that fails (a transient outage of the relay sessions); reports
 * the delay each retried message asked for.
 */
export async function runQueueBatchWith(
  queue: string,
  bodies: QueuedBody[],
  options: { clock: ManualClock; session?: QueueContext["session"] },
) {
  const config = parseProxyConfig(env);
  const batch = toBatch(queue, bodies);
  // The queue result does not report retry delays; each message's retry() is observed instead.
  const retryDelays: Record<string, number | undefined> = {};
  for (const message of batch.messages) {
    const retry = message.retry.bind(message);
    Object.defineProperty(message, "retry", {
      value: (options?: QueueRetryOptions) => {
        retryDelays[message.id] = options?.delaySeconds;
        retry(options);
      },
    });
  }
  const ctx = createExecutionContext();
  await handleQueueBatch(batch, {
    env,
    config,
    clock: options.clock,
    metrics: createMetricsBuffer({ clock: options.clock, flushIntervalMs: 0, shards: config.relay.metricsShards }),
    registry: createRegistryClient({ config, clock: options.clock, fetchRegistry: createRegistryFetch(env, config) }),
    waitUntil: (promise) => ctx.waitUntil(promise),
    session: options.session ?? ((agentDid) => toRelaySession(env, agentDid)),
    random: () => 0.5,
  });
  return { ...(await getQueueResult(batch, ctx)), retryDelays };
}
