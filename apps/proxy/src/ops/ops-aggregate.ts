import { DurableObject } from "cloudflare:workers";
import type { OperatorQueueRecord } from "@clawdentity/protocol";
import { resolveProxyConfig } from "../config";
import { METRICS, toSeriesKey } from "../metrics";
import { createSchemaMigrator, createSqlRunner, type SchemaMigrator } from "../storage";
import { createMetricTotalsStore, type MetricTotalsStore } from "./metric-totals-store";
import { OPS_MIGRATIONS } from "./ops-schema";
import { createQueueRecordStore, type QueueRecordInput, type QueueRecordStore } from "./queue-record-store";

const PRUNE_BATCH = 100;
const SWEEP_WATERMARK_KEY = "revocation-sweep-watermark-ms";
const EVENT_FEED_CURSOR_KEY = "registry-event-feed-cursor";

/**
 * The operator's aggregate. Instances `metrics-<n>` are shards of the metric totals that
 * sessions and isolates flush deltas into (each source always into the same shard); the
 * `queue-records` instance holds poison and malformed queue messages for operators to list; the
 * `revocation-sweep` instance remembers how far the revocation-list sweep got.
 * Callers pass the time, so the object needs no clock of its own.
 */
export class OpsAggregate extends DurableObject<Env> {
  readonly #schema: SchemaMigrator;
  readonly #totals: MetricTotalsStore;
  readonly #records: QueueRecordStore;
  readonly #recordRetentionMs: number;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    const db = createSqlRunner(ctx.storage.sql);
    this.#schema = createSchemaMigrator(db, OPS_MIGRATIONS);
    this.#totals = createMetricTotalsStore(db);
    this.#records = createQueueRecordStore(db);
    this.#recordRetentionMs = resolveProxyConfig(env).queues.recordRetentionMs;
  }

  /** Adds one source's batch of series deltas, once per (source, seq); true when applied. */
  async applyDeltas(source: string, seq: number, deltas: Record<string, number>, nowMs: number): Promise<boolean> {
    return this.#write(nowMs, () => this.#totals.apply(source, seq, deltas, nowMs));
  }

  async readTotals(): Promise<Record<string, number>> {
    return this.#schema.isInitialised() ? this.#totals.totals() : {};
  }

  /** Records queue messages for operators, once each, counting the new ones; returns how many were new. */
  async recordQueueMessages(records: QueueRecordInput[], nowMs: number): Promise<number> {
    return this.#write(nowMs, () => {
      this.#records.prune(nowMs - this.#recordRetentionMs, PRUNE_BATCH);
      let fresh = 0;
      for (const record of records) {
        if (!this.#records.insert(record, nowMs)) continue;
        fresh++;
        this.#totals.increment(toSeriesKey(METRICS.queueRecords, { queue: record.queue, kind: record.kind }), 1);
      }
      return fresh;
    });
  }

  async listQueueRecords(limit: number): Promise<OperatorQueueRecord[]> {
    return this.#schema.isInitialised() ? this.#records.list(limit) : [];
  }

  /** The held-records gauge, as series totals. */
  async readHeldRecords(): Promise<Record<string, number>> {
    if (!this.#schema.isInitialised()) return {};
    return Object.fromEntries(
      this.#records
        .counts()
        .map(({ queue, kind, count }) => [toSeriesKey(METRICS.queueRecordsHeld, { queue, kind }), count]),
    );
  }

  /** Revocation time (ms) up to which the revocation-list sweep applied every entry; null before its first run. */
  async readSweepWatermark(): Promise<number | null> {
    return this.ctx.storage.kv.get<number>(SWEEP_WATERMARK_KEY) ?? null;
  }

  /** Moves the sweep's watermark forward (never back, whatever order two sweeps finish in). */
  async advanceSweepWatermark(watermarkMs: number): Promise<number> {
    const current = this.ctx.storage.kv.get<number>(SWEEP_WATERMARK_KEY) ?? Number.NEGATIVE_INFINITY;
    const next = Math.max(current, watermarkMs);
    this.ctx.storage.kv.put(SWEEP_WATERMARK_KEY, next);
    return next;
  }

  /** Where the registry's event feed (PROTOCOL.md §11.5) was read up to; "0" before the first poll. */
  async readEventFeedCursor(): Promise<string> {
    return this.ctx.storage.kv.get<string>(EVENT_FEED_CURSOR_KEY) ?? "0";
  }

  /** Moves the feed cursor forward (never back, whatever order two polls finish in). */
  async advanceEventFeedCursor(cursor: string): Promise<void> {
    const current = this.ctx.storage.kv.get<string>(EVENT_FEED_CURSOR_KEY) ?? "0";
    if (Number(cursor) > Number(current)) this.ctx.storage.kv.put(EVENT_FEED_CURSOR_KEY, cursor);
  }

  #write<T>(nowMs: number, work: () => T): T {
    return this.ctx.storage.transactionSync(() => {
      this.#schema.ensure(nowMs);
      return work();
    });
  }
}
