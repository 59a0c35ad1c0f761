import { computeBackoffMs, type DeliveryReceiptEvent } from "@clawdentity/protocol";
import type { RelaySessionRuntime } from "../runtime";
import { COUNTERS, type MetricsStore, type OutboundRecord, type OutboundStore } from "../stores";
import type { DeliveryReport } from "./outbox";

/** How outbound rows leave the session: receipt events to the queue, reports to sender sessions. */
export interface OutboundTransport {
  publishReceipts(events: DeliveryReceiptEvent[]): Promise<void>;
  sendReports(senderDid: string, reports: DeliveryReport[]): Promise<void>;
}

/** A queue `sendBatch` takes at most 100 messages. */
const FLUSH_BATCH = 100;
/** Batches one flush sends before leaving the rest to the alarm, so one event stays bounded. */
const MAX_ROUNDS = 10;

type Outcome = { rows: OutboundRecord[]; error: string | null };

/**
 * Sends what the session owes: due rows are grouped (all receipt events in one `sendBatch`, the
 * reports of one sender in one call), each group is settled or backed off as a unit. A report is
 * done when its call returns (the sender's session stored it). A receipt event is only handed to
 * the queue: it stays owed until the sender's session confirms it (`confirm`), and is published
 * again, with backoff, whenever that confirmation does not come in time — a queue message lost in
 * transit or dead-lettered is recovered, and the consumer's idempotent store makes repeats
 * harmless. One unconfirmed past the retention period is given up and counted.
 */
export function createOutboundFlusher(deps: {
  outbound: OutboundStore;
  metrics: MetricsStore;
  runtime: RelaySessionRuntime;
  transport: OutboundTransport;
  write: <T>(work: () => T) => T;
}) {
  const { outbound, metrics, runtime, transport, write } = deps;

  const attempt = async (rows: OutboundRecord[], send: () => Promise<void>): Promise<Outcome> => {
    try {
      await send();
      return { rows, error: null };
    } catch (error) {
      return { rows, error: error instanceof Error ? error.message : String(error) };
    }
  };

  const sendRound = async (due: OutboundRecord[]): Promise<Outcome[]> => {
    const receipts = due.filter((row) => row.kind === "receipt");
    const reportsBySender = new Map<string, OutboundRecord[]>();
    for (const row of due) {
      if (row.kind !== "progress") continue;
      reportsBySender.set(row.targetDid, [...(reportsBySender.get(row.targetDid) ?? []), row]);
    }
    const sends: Array<Promise<Outcome>> = [];
    if (receipts.length > 0) {
      const events = receipts.map((row) => JSON.parse(row.body) as DeliveryReceiptEvent);
      sends.push(attempt(receipts, () => transport.publishReceipts(events)));
    }
    for (const [senderDid, rows] of reportsBySender) {
      const reports = rows.map((row) => JSON.parse(row.body) as DeliveryReport);
      sends.push(attempt(rows, () => transport.sendReports(senderDid, reports)));
    }
    return Promise.all(sends);
  };

  const backoffMs = (attempt: number, baseMs: number) => {
    const { noticeRetryMaxMs, retryJitterRatio } = runtime.settings;
    return computeBackoffMs(attempt, {
      baseMs,
      maxMs: Math.max(baseMs, noticeRetryMaxMs),
      jitterRatio: retryJitterRatio,
      random: runtime.random,
    });
  };

  const settle = (outcomes: Outcome[], nowMs: number) => {
    const { noticeRetryBaseMs, receiptConfirmTimeoutMs } = runtime.settings;
    for (const { rows, error } of outcomes) {
      for (const row of rows) {
        if (error !== null) {
          outbound.markFailed(row.id, nowMs + backoffMs(row.attempts + 1, noticeRetryBaseMs), error);
        } else if (row.kind === "receipt") {
          metrics.increment(row.attempts === 0 ? COUNTERS.noticesPublished : COUNTERS.noticesRepublished);
          outbound.markPublished(row.id, nowMs, nowMs + backoffMs(row.attempts + 1, receiptConfirmTimeoutMs));
        } else {
          outbound.remove(row.id);
          metrics.increment(COUNTERS.reportsSent);
        }
      }
    }
  };

  /** Receipt events still unconfirmed after the retention period are given up, counted, and kept for the record. */
  const abandonStale = (due: OutboundRecord[], nowMs: number): OutboundRecord[] => {
    const cutoffMs = nowMs - runtime.settings.retentionMs;
    const stale = due.filter((row) => row.kind === "receipt" && row.createdAtMs <= cutoffMs);
    if (stale.length === 0) return due;
    write(() => {
      for (const row of stale) {
        outbound.abandon(row.id, nowMs, "never confirmed by the sender's session");
        metrics.increment(COUNTERS.noticesAbandoned);
      }
    });
    return due.filter((row) => !stale.includes(row));
  };

  return {
    /** Sends every due row (up to a bound); returns whether due rows are left for the alarm. */
    async flush(nowMs: number): Promise<boolean> {
      for (let round = 0; round < MAX_ROUNDS; round++) {
        const fetched = outbound.due(nowMs, FLUSH_BATCH);
        if (fetched.length === 0) return false;
        const due = abandonStale(fetched, nowMs);
        if (due.length === 0) continue;
        const outcomes = await sendRound(due);
        write(() => settle(outcomes, nowMs));
        if (outcomes.some((outcome) => outcome.error !== null)) return false;
      }
      return outbound.due(nowMs, 1).length > 0;
    },
  };
}
export type OutboundFlusher = ReturnType<typeof createOutboundFlusher>;
