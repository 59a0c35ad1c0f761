import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { createUlid } from "@clawdentity/sdk";
import { describe, expect, it } from "vitest";
import { parseProxyConfig } from "../src/config";
import { createDeadLetterRecorder, createMessageIntake } from "../src/session/inbound";
import { createOutbox } from "../src/session/outbound";
import { createRelaySessionRuntime } from "../src/session/runtime";
import {
  createDeadLetterStore,
  createIdentityStore,
  createMessageStore,
  createMetricsStore,
  createOutboundStore,
  createRateLimitStore,
  createRevocationStore,
  createTrustStore,
  SESSION_MIGRATIONS,
} from "../src/session/stores";
import { createSchemaMigrator, createSqlRunner } from "../src/storage";

/** Wraps the object's SQL so a test can read how many rows each step touched, and each statement's plan. */
function createCountingSql(sql: SqlStorage) {
  const cursors: Array<SqlStorageCursor<Record<string, SqlStorageValue>>> = [];
  const plans = new Map<string, string[]>();
  let planning = false;
  const counting = {
    exec(query: string, ...bindings: SqlStorageValue[]) {
      if (planning && !plans.has(query)) {
        const plan = sql.exec<{ detail: string }>(`EXPLAIN QUERY PLAN ${query}`, ...bindings).toArray();
        plans.set(
          query,
          plan.map((row) => row.detail),
        );
      }
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
  /**
   * Statements whose plan reads a whole table (`SCAN t` without an index). Read whole on purpose:
   * `identity` (one row) and `revocations` (the agent's own few, read once per object and held).
   */
  const wholeOnPurpose = new Set(["SCAN identity", "SCAN revocations"]);
  const fullScans = () =>
    [...plans]
      .filter(([, details]) => details.some((detail) => /^SCAN \w+$/.test(detail) && !wholeOnPurpose.has(detail)))
      .map(([query]) => query);
  const startPlanning = () => {
    planning = true;
  };
  return { counting, measure, fullScans, startPlanning, planned: () => plans.size };
}

describe("relay session cost", () => {
  it("touches the same number of rows per message at 10 and at 3,000 queued, and no statement reads a whole table", async () => {
    const stub = env.RELAY_SESSIONS.get(env.RELAY_SESSIONS.idFromName(`cost-${createUlid()}`));
    const { costs, fullScans, planned } = await runInDurableObject(stub, (_instance, state) => {
      const { counting, measure, fullScans, startPlanning, planned } = createCountingSql(state.storage.sql);
      const db = createSqlRunner(counting);
      // One sender fills the queue here, so its share is the whole queue.
      const config = parseProxyConfig(env);
      const runtime = createRelaySessionRuntime({ ...config, relay: { ...config.relay, senderQueueShare: 1 } });
      createSchemaMigrator(db, SESSION_MIGRATIONS).ensure(0);
      startPlanning();
      const identity = createIdentityStore(db);
      const trust = createTrustStore(db);
      const messages = createMessageStore(db);
      const metrics = createMetricsStore(db);
      const outbox = createOutbox({ outbound: createOutboundStore(db), identity });
      const deadLetter = createDeadLetterRecorder({
        messages,
        deadLetters: createDeadLetterStore(db),
        metrics,
        outbox,
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
        // Held in memory like the depths: read once per wake, not per message.
        messages.inFlightCount();
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
      const shallow = costAt(10);
      const deep = costAt(3_000);
      // The depths were counted once (at the first call); what a restarted object counts is indexed too.
      messages.forget();
      messages.depthByPriority();
      messages.senderDepth(sender);
      messages.inFlightCount();
      messages.live(5);
      messages.findSheddable(0, sender);
      messages.findSheddable(0);
      messages.expired(1, 5);
      messages.dueWaiting(1, 5);
      messages.requeueInFlight();
      return { costs: { shallow, deep }, fullScans: fullScans(), planned: planned() };
    });
    expect(costs.deep).toEqual(costs.shallow);
    // EXPLAIN QUERY PLAN of every statement above: none reads the whole table.
    expect(planned).toBeGreaterThan(20);
    expect(fullScans).toEqual([]);
  });
});
