import { createUlid, systemClock } from "@clawdentity/sdk";
import { describe, expect, it, vi } from "vitest";
import { connectorTuningSchema } from "../src/config";
import type { RemoteOutcome } from "../src/proxy";
import { createTestWebhookWorker, inboundMessage, useTempStorage } from "./helpers";

const ROWS = 6;
const SENDER = "did:claw:agent:01HSENDER0000000000000000";
const RECIPIENT = "did:claw:agent:01HRECIPIENT00000000000000";

const openStorage = useTempStorage("settle-commits");

describe("deliveries answered together are settled in one commit", () => {
  it("six webhook calls answered in one turn: one commit marks all delivered and queues their receipts", async () => {
    const storage = openStorage();
    const tuning = connectorTuningSchema.parse({});
    const now = systemClock.nowMs();
    const ids = Array.from({ length: ROWS }, () => createUlid());
    for (const messageId of ids) {
      storage.inbox.accept(inboundMessage({ messageId, senderDid: SENDER, toAgentDid: RECIPIENT }), {
        now,
        ttlMs: tuning.webhookTtlMs,
      });
    }

    // The runtime answers nothing until every call is in flight, then all six in the same turn.
    const answers: Array<(outcome: RemoteOutcome) => void> = [];
    const webhook = {
      post: () => new Promise<RemoteOutcome>((resolve) => answers.push(resolve)),
      setTarget() {},
    };
    const settleCommits = vi.spyOn(storage, "commitEachWithoutFsync");
    const { worker } = createTestWebhookWorker(storage, webhook);
    worker.start();
    try {
      await vi.waitFor(() => expect(answers).toHaveLength(ROWS));
      for (const answer of answers) answer({ kind: "accepted" });
      await vi.waitFor(() => expect(storage.inbox.countByStatus().delivered).toBe(ROWS));

      expect(settleCommits).toHaveBeenCalledTimes(1);
      expect(settleCommits.mock.calls[0]?.[0]).toHaveLength(ROWS);
      expect(storage.receiptOutbox.countByState().pending).toBe(ROWS);
    } finally {
      await worker.stop();
    }
  });
});
