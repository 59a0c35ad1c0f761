import { resolveProxyConfig } from "../config";
import { METRICS, toMetricsShardFor, toSeriesKey } from "../metrics";
import { createSchemaMigrator, createSqlRunner } from "../storage";
import {
  createDeadLetterAdmin,
  createDeadLetterRecorder,
  createDeliveryScheduler,
  createFrameHandler,
  createMessageIntake,
  createSocketManager,
} from "./inbound";
import { createAlarmPlanner, createMetricsFlusher, createSessionMaintenance, type MetricDeltas } from "./maintenance";
import {
  createOutboundTransport,
  createOutbox,
  createOutboxFlusher,
  createReceiptIntake,
  createSenderReceipts,
  createTimeline,
} from "./outbound";
import { createRelaySessionRuntime } from "./runtime";
import { createAdmissionPolicy, createRevocationKeeper, createTrustKeeper } from "./security";
import {
  createDeadLetterStore,
  createIdentityStore,
  createMessageStore,
  createMetricFlushStore,
  createMetricsStore,
  createNonceStore,
  createOutboundStore,
  createPairingTicketStore,
  createProcessedEventStore,
  createRateLimitStore,
  createReceiptStore,
  createRevocationStore,
  createSessionStateStore,
  createTimelineStore,
  createTrustStore,
  SESSION_MIGRATIONS,
} from "./stores";

/** How long counter increments are held before they are written. */
const COUNTER_PERSIST_DELAY_MS = 1_000;

/** A queue at or past this share of its capacity counts in `relay_queues_near_capacity`. */
export const NEAR_CAPACITY_SHARE = 0.8;

/**
 * Builds a relay session's collaborators over its storage and env. The Durable Object class only
 * sequences calls on them; every decision lives in one of these.
 */
export function createSessionParts(ctx: DurableObjectState, env: Env) {
  const runtime = createRelaySessionRuntime(resolveProxyConfig(env));
  /** One transaction; what the stores hold in memory is dropped when it rolls back. */
  const write = <T>(work: () => T): T => {
    try {
      return ctx.storage.transactionSync(work);
    } catch (error) {
      identity.forget();
      sessionState.forget();
      metricFlushes.forget();
      messages.forget();
      outbound.forget();
      receipts.forget();
      rateLimits.forget();
      revocations.forget();
      throw error;
    }
  };
  const now = () => runtime.clock.nowMs();
  const db = createSqlRunner(ctx.storage.sql);
  const identity = createIdentityStore(db);
  const trust = createTrustStore(db);
  const deadLetters = createDeadLetterStore(db);
  const sessionState = createSessionStateStore(db);
  const metricFlushes = createMetricFlushStore(db, sessionState);
  const messages = createMessageStore(db);
  // Counters are written behind, once a second at most, in one transaction: not a row per message.
  const metrics = createMetricsStore(db, {
    deferWrites: (persist) =>
      setTimeout(() => {
        // What could not be written stays held: the next increment schedules it again.
        try {
          write(persist);
        } catch (error) {
          console.warn("session counters not written", String(error));
        }
      }, COUNTER_PERSIST_DELAY_MS),
  });
  const revocations = createRevocationStore(db);
  const outbound = createOutboundStore(db);
  const receipts = createReceiptStore(db);
  const sentMessages = createTimelineStore(db);
  const processedEvents = createProcessedEventStore(db);
  const outbox = createOutbox({ outbound, identity });
  const deadLetter = createDeadLetterRecorder({ messages, deadLetters, metrics, outbox });
  const sockets = createSocketManager(ctx, () => runtime.settings.helloGraceMs);
  const rateLimits = createRateLimitStore(db);
  const admission = createAdmissionPolicy({
    identity,
    revocations,
    nonces: createNonceStore(db),
    rateLimits,
    runtime,
  });
  const scheduler = createDeliveryScheduler({
    identity,
    messages,
    deadLetters,
    metrics,
    sessionState,
    sockets,
    deadLetter,
    outbox,
    runtime,
  });
  const senderReceipts = createSenderReceipts({ receipts, sockets, metrics });
  const timeline = createTimeline({ sentMessages });
  const revocation = createRevocationKeeper({ revocations, processedEvents, messages, metrics, deadLetter });

  /** Pushes what the connector may take now; true when receipts are left for the next turn. */
  const pushAll = (nowMs: number): boolean => {
    scheduler.pump(nowMs);
    return senderReceipts.pump(nowMs);
  };

  const gauges = (): MetricDeltas => {
    const depth = messages.depthByPriority();
    return {
      ...Object.fromEntries(
        Object.entries(depth).map(([priority, count]) => [toSeriesKey(METRICS.queueDepth, { priority }), count]),
      ),
      [toSeriesKey(METRICS.deadLettersHeld)]: deadLetters.total(),
      [toSeriesKey(METRICS.receiptsPending)]: receipts.pendingCount(),
      [toSeriesKey(METRICS.outboundUnsent)]: outbound.unsentCount(),
      [toSeriesKey(METRICS.receiptEventsUnconfirmed)]: outbound.unconfirmedCount(),
      [toSeriesKey(METRICS.socketsOpen)]: sockets.hasOpen() ? 1 : 0,
      [toSeriesKey(METRICS.queuesNearCapacity)]:
        messages.totalDepth() >= NEAR_CAPACITY_SHARE * runtime.settings.queueCapacity ? 1 : 0,
    };
  };

  return {
    write,
    now,
    schema: createSchemaMigrator(db, SESSION_MIGRATIONS),
    identity,
    messages,
    metrics,
    sockets,
    admission,
    scheduler,
    senderReceipts,
    timeline,
    revocation,
    outbound,
    pushAll,
    intake: createMessageIntake({ identity, revocations, trust, messages, metrics, rateLimits, deadLetter, runtime }),
    trust: createTrustKeeper({
      identity,
      revocations,
      trust,
      tickets: createPairingTicketStore(db),
      rateLimits,
      runtime,
    }),
    receiptIntake: createReceiptIntake({
      identity,
      trust,
      messages,
      metrics,
      outbox,
      settleDelivered: scheduler.settleDelivered,
    }),
    deadLetterAdmin: createDeadLetterAdmin({ deadLetters, messages, metrics, outbox, runtime }),
    frames: createFrameHandler({ sockets, scheduler, senderReceipts, messages, deadLetters, pushAll }),
    maintenance: createSessionMaintenance({
      messages,
      deadLetters,
      outbound,
      receipts,
      sentMessages,
      processedEvents,
      metrics,
      revocation,
      runtime,
    }),
    outboxFlusher: createOutboxFlusher({
      outbound,
      metrics,
      runtime,
      transport: createOutboundTransport({ env, runtime, identity, timeline, write }),
      write,
    }),
    metricsFlusher: createMetricsFlusher({
      metrics,
      flushes: metricFlushes,
      gauges,
      runtime,
      write,
      sink: async (seq, deltas) => {
        const source = identity.get()?.agentDid ?? ctx.id.toString();
        const { metricsShards } = runtime.settings;
        await toMetricsShardFor(env, source, metricsShards).applyDeltas(source, seq, deltas, now());
      },
    }),
    alarms: createAlarmPlanner(ctx.storage),
  };
}
export type SessionParts = ReturnType<typeof createSessionParts>;
