import { type Clock, createUlid } from "@clawdentity/sdk";
import type { RegistryConfig } from "../config";
import type { EventPublisher } from "./event-publisher";
import { claimDueEvents, pruneSentEvents } from "./outbox-store";

export interface SweepResult {
  claimed: number;
  sent: number;
  failed: number;
  pruned: number;
}

/** Bounds one cron run; what is left waits for the next minute. */
const MAX_ROUNDS = 10;

/** The cron half of the outbox: republish what is due and unsent, then drop old sent rows. */
export async function sweepOutbox(options: {
  db: D1Database;
  publisher: EventPublisher;
  clock: Clock;
  outbox: RegistryConfig["outbox"];
}): Promise<SweepResult> {
  const { db, publisher, clock, outbox } = options;
  const result: SweepResult = { claimed: 0, sent: 0, failed: 0, pruned: 0 };
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const nowMs = clock.nowMs();
    const leaseId = createUlid(nowMs);
    const records = await claimDueEvents(db, {
      nowMs,
      leaseId,
      leaseUntilMs: nowMs + outbox.leaseMs,
      limit: outbox.sweepBatchSize,
    });
    result.claimed += records.length;
    const published = await publisher.publish(records, leaseId);
    result.sent += published.sent;
    result.failed += published.failed;
    if (records.length < outbox.sweepBatchSize) break;
  }
  result.pruned = await pruneSentEvents(db, clock.nowMs() - outbox.retentionMs);
  return result;
}
