import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { createUlid } from "@clawdentity/sdk";
import { describe, expect, it } from "vitest";
import { parseProxyConfig } from "../src/config";
import { createDeadLetterRecorder } from "../src/session/dead-lettering";
import { createMessageIntake } from "../src/session/message-intake";
import { createOutboundWriter } from "../src/session/outbound-writer";
import { SESSION_MIGRATIONS } from "../src/session/schema";
import { createRelaySessionRuntime } from "../src/session/session-runtime";
import {
  createDeadLetterStore,
  createIdentityStore,
  createMessageStore,
  createMetricsStore,
  createOutboundStore,
  createRateLimitStore,
  createRevocationStore,
  createTrustStore,
} from "../src/session/stores";
import { createSchemaMigrator, createSqlRunner } from "../src/storage";

/** Wraps the object's SQL so a test can read how many rows each step touched. */
function createCountingSql(sql: SqlStorage) {
  const cursors: Array<SqlStorageCursor<Record<string, SqlStorageValue>>> = [];
  const counting = {
    exec(query: string, ...bindings: SqlStorageValue[]) {
      const cursor = sql.exec(query, ...bindings);
      cursors.push(cursor);
      return cursor;
    },
  } as unknown as SqlStorage;
  const measure = (step: () => void) => {
    cursors.length = 0;
    step();
    return cursors.reduce((rows, cursor) => rows + cursor.rowsRead + cursor.rowsWritten, 0);
  };
  return { counting, measure };
}

describe("relay session cost", () => {
  it("touches the same number of rows per message at 10 and at 3,000 queued", async () => {
    const stub = env.RELAY_SESSIONS.get(env.RELAY_SESSIONS.idFromName(`cost-${createUlid()}`));
    const costs = await runInDurableObject(stub, (_instance, state) => {
      const { counting, measure } = createCountingSql(state.storage.sql);
      const db = createSqlRunner(counting);
      // One sender fills the queue here, so its share is the whole queue.
      const runtime = createRelaySessionRuntime({ ...parseProxyConfig(env).relay, senderQueueShare: 1 });
      createSchemaMigrator(db, SESSION_MIGRATIONS).ensure(0);
      const identity = createIdentityStore(db);
      const trust = createTrustStore(db);
      const messages = createMessageStore(db);
      const metrics = createMetricsStore(db);
      const notices = createOutboundWriter({ outbound: createOutboundStore(db), identity });
      const deadLetter = createDeadLetterRecorder({
        messages,
        deadLetters: createDeadLetterStore(db),
        metrics,
        notices,
      });
      const intake = createMessageIntake({
        identity,
        revocations: createRevocationStore(db),
        trust,
        messages,
        metrics,
        rateLimits: createRateLimitStore(db),
        deadLetter,
        runtime,
      });
      const sender = `did:cdi:127.0.0.1:agent:${createUlid()}`;
      identity.record(`did:cdi:127.0.0.1:agent:${createUlid()}`, 0);
      trust.upsert({
        peerDid: sender,
        pairedAtMs: 0,
        rateLimitPerMinute: null,
        queueQuota: null,
        ticketId: createUlid(),
        peerOrigin: null,
      });
      const enqueue = (nowMs: number) =>
        intake.enqueue(
          {
            senderDid: sender,
            messageId: createUlid(),
            correlationId: "c",
            priority: "low",
            payload: "{}",
            acceptedAtMs: nowMs,
          },
          nowMs,
        );

      const costAt = (depth: number) => {
        while (messages.totalDepth() < depth) enqueue(1);
        const enqueueRows = measure(() => enqueue(2));
        const dispatchRows = measure(() => {
          const [next] = messages.nextReady(1);
          if (next) messages.markInFlight(next.seq, 3, 4);
        });
        const settleRows = measure(() => {
          const [inFlight] = messages.overdueInFlight(10, 1);
          if (inFlight) messages.markDelivered(inFlight.seq, 5);
        });
        const planRows = measure(() => {
          messages.nextDueAtMs();
          messages.nextExpiryAtMs();
          messages.oldestLiveAcceptedAtMs();
          messages.inFlightCount();
        });
        return { enqueueRows, dispatchRows, settleRows, planRows };
      };
      return { shallow: costAt(10), deep: costAt(3_000) };
    });
    expect(costs.deep).toEqual(costs.shallow);
  });
});
