import { computeBackoffMs } from "@clawdentity/protocol";
import type { Clock } from "@clawdentity/sdk";
import type { RegistryConfig } from "../config";
import { markEventFailed, markEventSent, type OutboxRecord } from "./outbox-store";

/** The part of the queue binding the registry uses; injected so tests can make it fail. */
export interface EventProducer {
  send(message: unknown, options?: QueueSendOptions): Promise<unknown>;
}

export interface PublishResult {
  sent: number;
  failed: number;
}

export interface EventPublisher {
  /** Publishes rows held under `leaseId`; a failure is recorded on the row and never thrown. */
  publish(records: OutboxRecord[], leaseId: string): Promise<PublishResult>;
}

export function createEventPublisher(options: {
  db: D1Database;
  events: EventProducer;
  clock: Clock;
  retry: Pick<RegistryConfig["outbox"], "retryBaseMs" | "retryMaxMs">;
}): EventPublisher {
  const { db, events, clock, retry } = options;

  async function publishOne(record: OutboxRecord, leaseId: string): Promise<boolean> {
    try {
      await events.send(JSON.parse(record.payload), { contentType: "json" });
    } catch (error) {
      const attempt = record.attempts + 1;
      const delayMs = computeBackoffMs(attempt, { baseMs: retry.retryBaseMs, maxMs: retry.retryMaxMs });
      console.warn("event publish failed", { eventId: record.id, attempt, error: String(error) });
      await markEventFailed(db, {
        id: record.id,
        leaseId,
        nextAttemptAtMs: clock.nowMs() + delayMs,
        error: String(error),
      }).catch((markError) => console.error("could not record publish failure", record.id, markError));
      return false;
    }
    // Published but not marked: the lease runs out and the sweep publishes again; consumers dedupe on id.
    await markEventSent(db, { id: record.id, leaseId, nowMs: clock.nowMs() }).catch((error) =>
      console.error("could not mark event sent", record.id, error),
    );
    return true;
  }

  return {
    async publish(records, leaseId) {
      const result: PublishResult = { sent: 0, failed: 0 };
      for (const record of records) {
        if (await publishOne(record, leaseId)) result.sent++;
        else result.failed++;
      }
      return result;
    },
  };
}
