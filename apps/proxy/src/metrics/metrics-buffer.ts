import { type Clock, createUlid } from "@clawdentity/sdk";
import { toMetricsShardFor } from "./ops-objects";

export interface MetricsBufferOptions {
  clock: Clock;
  flushIntervalMs: number;
  shards: number;
}

/**
 * Counters of one isolate (auth failures, queue consumer outcomes), kept in memory and flushed
 * into the aggregate at most once per interval. A batch keeps its sequence number until the
 * aggregate took it, so a retried flush is not counted twice; what an evicted isolate had not
 * flushed yet is lost, which a rate read over minutes tolerates.
 */
export function createMetricsBuffer(options: MetricsBufferOptions) {
  const { clock, flushIntervalMs, shards } = options;
  const source = `isolate:${createUlid()}`;
  let collecting = new Map<string, number>();
  let pending: { seq: number; deltas: Record<string, number> } | undefined;
  let seq = 0;
  let lastFlushMs = clock.nowMs();
  let flushing: Promise<void> | undefined;

  const send = async (env: Env) => {
    if (!pending && collecting.size > 0) {
      seq += 1;
      pending = { seq, deltas: Object.fromEntries(collecting) };
      collecting = new Map();
    }
    if (!pending) return;
    await toMetricsShardFor(env, source, shards).applyDeltas(source, pending.seq, pending.deltas, clock.nowMs());
    pending = undefined;
    lastFlushMs = clock.nowMs();
  };

  const flush = (env: Env): Promise<void> => {
    flushing ??= send(env).finally(() => {
      flushing = undefined;
    });
    return flushing;
  };

  return {
    increment(series: string, by = 1): void {
      collecting.set(series, (collecting.get(series) ?? 0) + by);
    },
    /** Adds several series deltas at once (a histogram observation). */
    add(deltas: Record<string, number>): void {
      for (const [series, by] of Object.entries(deltas)) collecting.set(series, (collecting.get(series) ?? 0) + by);
    },
    flush,
    /** Starts a flush in the background once the interval has passed. */
    flushIfDue(env: Env, waitUntil: (promise: Promise<unknown>) => void): void {
      if ((collecting.size === 0 && !pending) || clock.nowMs() - lastFlushMs < flushIntervalMs) return;
      waitUntil(flush(env).catch((error) => console.warn("metrics flush failed", String(error))));
    },
  };
}
export type MetricsBuffer = ReturnType<typeof createMetricsBuffer>;
