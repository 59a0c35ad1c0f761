import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createUlid, systemClock } from "@clawdentity/sdk";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createCircuitBreaker } from "../src/circuit-breaker";
import { connectorTuningSchema } from "../src/config";
import { createWebhookDeliveryWorker } from "../src/inbox";
import { silentLogger } from "../src/logger";
import { createConnectorMetrics } from "../src/metrics";
import type { RemoteOutcome } from "../src/proxy";
import { resolveRetryPolicy } from "../src/runtime";
import { type ConnectorStorage, openConnectorStorage } from "../src/storage";
import { createWebhookPause } from "../src/webhook";

const ROWS = 6;
const SENDER = "did:claw:agent:01HSENDER0000000000000000";
const RECIPIENT = "did:claw:agent:01HRECIPIENT00000000000000";

let cleanup: Array<() => void> = [];
afterEach(() => {
  for (const step of cleanup.reverse()) step();
  cleanup = [];
});

function openStorage(): ConnectorStorage {
  const dir = mkdtempSync(join(tmpdir(), "settle-commits-"));
  const storage = openConnectorStorage(join(dir, "connector.db"));
  cleanup.push(() => {
    storage.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return storage;
}

describe("deliveries answered together are settled in one commit", () => {
  it("six webhook calls answered in one turn: one commit marks all delivered and queues their receipts", async () => {
    const storage = openStorage();
    const tuning = connectorTuningSchema.parse({});
    const now = systemClock.nowMs();
    const ids = Array.from({ length: ROWS }, () => createUlid());
    for (const messageId of ids) {
      storage.inbox.accept(
        {
          senderDid: SENDER,
          messageId,
          correlationId: messageId,
          toAgentDid: RECIPIENT,
          payload: "{}",
          conversationId: null,
          replyTo: null,
          priority: "normal",
        },
        { now, ttlMs: tuning.webhookTtlMs },
      );
    }

    // The runtime answers nothing until every call is in flight, then all six in the same turn.
    const answers: Array<(outcome: RemoteOutcome) => void> = [];
    const webhook = {
      post: () => new Promise<RemoteOutcome>((resolve) => answers.push(resolve)),
      setTarget() {},
    };
    const settleCommits = vi.spyOn(storage, "commitEachWithoutFsync");
    const worker = createWebhookDeliveryWorker({
      storage,
      clock: systemClock,
      random: Math.random,
      tuning,
      metrics: createConnectorMetrics(),
      logger: silentLogger,
      webhook,
      breaker: createCircuitBreaker({ failureThreshold: 5, openMs: 30_000, clock: systemClock }),
      pause: createWebhookPause({
        clock: systemClock,
        policy: resolveRetryPolicy(tuning, "webhook", Math.random),
        logger: silentLogger,
        onResume: () => undefined,
      }),
      onReceiptQueued: () => undefined,
    });
    worker.start();
    cleanup.push(() => void worker.stop());

    await vi.waitFor(() => expect(answers).toHaveLength(ROWS));
    for (const answer of answers) answer({ kind: "accepted" });
    await vi.waitFor(() => expect(storage.inbox.countByStatus().delivered).toBe(ROWS));

    expect(settleCommits).toHaveBeenCalledTimes(1);
    expect(settleCommits.mock.calls[0]?.[0]).toHaveLength(ROWS);
    expect(storage.receiptOutbox.countByState().pending).toBe(ROWS);
    await worker.stop();
  });
});
