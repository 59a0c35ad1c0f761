import {
  computeBackoffMs,
  type DeliveryReceiptEvent,
  type DeliveryReceiptRequest,
  EVENT_TYPES,
  type Priority,
  type ReceiptStatus,
} from "@clawdentity/protocol";
import { createUlid, toIsoTimestamp } from "@clawdentity/sdk";
import { sendInBatches } from "../../queues";
import { toRelaySession } from "../../relay-sessions";
import type { RelaySessionRuntime } from "../runtime";
import {
  COUNTERS,
  type IdentityStore,
  type MessageRecord,
  type MessageStore,
  type MetricsStore,
  type OutboundRecord,
  type OutboundStore,
  type TrustStore,
} from "../stores";
import type { Timeline } from "./sender-record";

/*
 * What the recipient's session owes the sender's: a receipt event for each receipt (posted by
 * the recipient, or the relay's own `dead_lettered`) and a delivery report for each delivery
 * event, written in the transaction that caused them, then sent — receipt events through the
 * `RECEIPTS` queue, reports by RPC to the sender's session.
 */

/** A receipt this session publishes about a message it holds from `senderDid`. */
export interface OwedReceipt {
  senderDid: string;
  messageId: string;
  correlationId: string;
  status: ReceiptStatus;
  reason?: string;
  atMs: number;
  /** The agent that posted it, or null for the relay's own `dead_lettered` receipts. */
  initiatedBy: string | null;
}

/** What the recipient's session tells the sender's session about one message (its timeline). */
export interface DeliveryReport {
  reportId: string;
  messageId: string;
  recipientDid: string;
  correlationId: string;
  priority: Priority;
  acceptedAtMs: number;
  event: "delivered_to_connector" | "refused_by_connector" | "queued";
  atMs: number;
  attempt?: number;
  reason?: string;
}

export type DeliveryReportInput = Omit<DeliveryReport, "reportId" | "recipientDid"> & { senderDid: string };

/**
 * What this session owes other sessions, written as outbound rows inside the caller's
 * transaction (persist first); the flusher sends them afterwards and the alarm retries what could
 * not be sent.
 */
export function createOutbox(deps: { outbound: OutboundStore; identity: IdentityStore }) {
  const { outbound, identity } = deps;
  const selfDid = () => {
    const self = identity.get();
    if (!self) throw new Error("a relay session without an agent cannot owe anything");
    return self.agentDid;
  };

  return {
    /** Queues a `delivery_receipt` event; false when the same receipt was already queued or sent. */
    receipt(owed: OwedReceipt, nowMs: number): boolean {
      const id = createUlid(nowMs);
      const event: DeliveryReceiptEvent = {
        id,
        type: EVENT_TYPES.deliveryReceipt,
        version: "v1",
        timestampUtc: toIsoTimestamp(nowMs),
        initiatedByAccountId: owed.initiatedBy,
        data: {
          messageId: owed.messageId,
          correlationId: owed.correlationId,
          senderAgentDid: owed.senderDid,
          recipientAgentDid: selfDid(),
          status: owed.status,
          ...(owed.reason ? { reason: owed.reason } : {}),
          at: toIsoTimestamp(owed.atMs),
        },
      };
      return outbound.insert({
        id,
        kind: "receipt",
        targetDid: owed.senderDid,
        dedupeKey: `receipt:${owed.senderDid}:${owed.messageId}:${owed.status}`,
        body: JSON.stringify(event),
        nowMs,
      });
    },
    /** Reports what happened to one of this session's messages, for its sender's timeline. */
    reportOn(
      message: MessageRecord,
      event: DeliveryReport["event"],
      nowMs: number,
      details: { attempt?: number; reason?: string } = {},
    ): void {
      this.report(
        {
          senderDid: message.senderDid,
          messageId: message.messageId,
          correlationId: message.correlationId,
          priority: message.priority,
          acceptedAtMs: message.acceptedAtMs,
          event,
          atMs: nowMs,
          ...details,
        },
        nowMs,
      );
    },
    report(input: DeliveryReportInput, nowMs: number): void {
      const { senderDid, ...rest } = input;
      const reportId = createUlid(nowMs);
      const report: DeliveryReport = { ...rest, reportId, recipientDid: selfDid() };
      outbound.insert({
        id: reportId,
        kind: "progress",
        targetDid: senderDid,
        dedupeKey: null,
        body: JSON.stringify(report),
        nowMs,
      });
    },
  };
}
export type Outbox = ReturnType<typeof createOutbox>;

export type SubmitReceiptInput = Pick<DeliveryReceiptRequest, "messageId" | "senderAgentDid" | "status" | "reason">;

export type SubmitReceiptResult =
  | { ok: true; state: "accepted" | "duplicate"; correlationId: string }
  | { ok: false; refusal: "not_delivered" | "forbidden" };

/** States in which the relay would still push the message again. */
const UNSETTLED: ReadonlySet<MessageRecord["state"]> = new Set(["queued", "waiting", "in_flight"]);

/**
 * The recipient's side of `POST /v1/relay/delivery-receipts`: a message this session pushed to
 * its own connector at least once may get a receipt, whatever its state now. A socket that
 * dropped puts its in-flight messages back in the queue, and the restarted connector may post
 * the receipt before the redelivery: the receipt then settles the message (delivered, never
 * pushed again). A message never pushed here is refused. The receipt is queued for the sender
 * in the same transaction.
 */
export function createReceiptIntake(deps: {
  identity: IdentityStore;
  trust: TrustStore;
  messages: MessageStore;
  metrics: MetricsStore;
  outbox: Outbox;
  /** Marks a pushed message delivered, as its `deliver_ack` would have. */
  settleDelivered: (message: MessageRecord, nowMs: number) => void;
}) {
  const { identity, trust, messages, metrics, outbox, settleDelivered } = deps;

  return {
    submit(input: SubmitReceiptInput, nowMs: number): SubmitReceiptResult {
      const self = identity.get();
      const message = messages.find(input.senderAgentDid, input.messageId);
      if (!self || !message) {
        // Nothing from that sender under that id: either no relationship at all, or no such message.
        const related = self && (input.senderAgentDid === self.agentDid || trust.get(input.senderAgentDid));
        return { ok: false, refusal: related ? "not_delivered" : "forbidden" };
      }
      if (message.lastAttemptAtMs === null) return { ok: false, refusal: "not_delivered" };
      if (UNSETTLED.has(message.state)) settleDelivered(message, nowMs);
      const accepted = outbox.receipt(
        {
          senderDid: input.senderAgentDid,
          messageId: input.messageId,
          correlationId: message.correlationId,
          status: input.status,
          ...(input.reason ? { reason: input.reason } : {}),
          atMs: nowMs,
          initiatedBy: self.agentDid,
        },
        nowMs,
      );
      if (accepted) metrics.increment(COUNTERS.receiptsAccepted(input.status));
      return { ok: true, state: accepted ? "accepted" : "duplicate", correlationId: message.correlationId };
    },
  };
}
export type ReceiptIntake = ReturnType<typeof createReceiptIntake>;

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
export function createOutboxFlusher(deps: {
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
          metrics.increment(row.attempts === 0 ? COUNTERS.receiptEventsPublished : COUNTERS.receiptEventsRepublished);
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
        metrics.increment(COUNTERS.receiptEventsAbandoned);
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
export type OutboxFlusher = ReturnType<typeof createOutboxFlusher>;

/**
 * The production transport: receipt events to the `RECEIPTS` queue (or the test's producer), and
 * reports by RPC to the sender's session — or straight into this session's own timeline for a
 * message to oneself.
 */
export function createOutboundTransport(deps: {
  env: Env;
  runtime: RelaySessionRuntime;
  identity: IdentityStore;
  timeline: Timeline;
  write: <T>(work: () => T) => T;
}): OutboundTransport {
  const { env, runtime, identity, timeline, write } = deps;
  return {
    async publishReceipts(events) {
      if (runtime.publishReceipts) return runtime.publishReceipts(events);
      await sendInBatches(env.RECEIPTS, events);
    },
    async sendReports(senderDid, reports) {
      if (senderDid === identity.get()?.agentDid) {
        write(() => {
          for (const report of reports) timeline.recordReport(report, runtime.clock.nowMs());
        });
        return;
      }
      await toRelaySession(env, senderDid).recordReports(reports);
    },
  };
}
