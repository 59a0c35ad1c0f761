import { computeBackoffMs, type DeliveryReceiptEvent } from "@clawdentity/protocol";
import type { DeliveryReport } from "./outbound-writer";
import type { RelaySessionRuntime } from "./session-runtime";
import { COUNTERS, type MetricsStore, type OutboundRecord, type OutboundStore } from "./stores";

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
 * reports of one sender in one call), each group is marked sent or backed off as a unit.
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

  const settle = (outcomes: Outcome[], nowMs: number) => {
    const { noticeRetryBaseMs, noticeRetryMaxMs, retryJitterRatio } = runtime.settings;
    for (const { rows, error } of outcomes) {
      for (const row of rows) {
        if (error === null) {
          outbound.markSent(row.id, nowMs);
          metrics.increment(row.kind === "receipt" ? COUNTERS.noticesPublished : COUNTERS.reportsSent);
          continue;
        }
        const delayMs = computeBackoffMs(row.attempts + 1, {
          baseMs: noticeRetryBaseMs,
          maxMs: noticeRetryMaxMs,
          jitterRatio: retryJitterRatio,
          random: runtime.random,
        });
        outbound.markFailed(row.id, nowMs + delayMs, error);
      }
    }
  };

  return {
    /** Sends every due row (up to a bound); returns whether due rows are left for the alarm. */
    async flush(nowMs: number): Promise<boolean> {
      for (let round = 0; round < MAX_ROUNDS; round++) {
        const due = outbound.due(nowMs, FLUSH_BATCH);
        if (due.length === 0) return false;
        const outcomes = await sendRound(due);
        write(() => settle(outcomes, nowMs));
        if (outcomes.some((outcome) => outcome.error !== null)) return false;
      }
      return outbound.due(nowMs, 1).length > 0;
    },
    nextDueAtMs: () => outbound.nextDueAtMs(),
  };
}
export type OutboundFlusher = ReturnType<typeof createOutboundFlusher>;
