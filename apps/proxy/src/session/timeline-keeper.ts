import type { DeliveryReceiptData, MessageStatusResponse, Priority } from "@clawdentity/protocol";
import { toIsoTimestamp } from "../clock";
import type { DeliveryReport } from "./outbound-writer";
import type { SentMessageRecord, SentState, TimelineEvent, TimelineStore } from "./stores";

/** `recordSent`: made on the sender's session once the recipient's session stored the message. */
export interface SentMessageInput {
  messageId: string;
  recipientDid: string;
  correlationId: string;
  priority: Priority;
  acceptedAtMs: number;
}

const STATE_OF: Record<TimelineEvent, SentState> = {
  accepted: "queued",
  queued: "queued",
  refused_by_connector: "queued",
  delivered_to_connector: "delivered_to_connector",
  dead_lettered: "dead_lettered",
  delivered_to_webhook: "delivered_to_webhook",
};
const STATE_RANK: Record<SentState, number> = {
  queued: 0,
  delivered_to_connector: 1,
  dead_lettered: 2,
  delivered_to_webhook: 3,
};

/**
 * The state after an event. Reports and receipts travel different paths and may arrive out of
 * order, so the latest event by its own time wins (a tie goes to the further state), and a
 * message delivered to the webhook stays delivered.
 */
export function toNextSentState(
  current: SentMessageRecord,
  event: { event: TimelineEvent; atMs: number; attempt?: number },
): SentMessageRecord {
  const attempts = Math.max(current.attempts, event.attempt ?? 0);
  const state = STATE_OF[event.event];
  const newer =
    event.atMs > current.stateAtMs ||
    (event.atMs === current.stateAtMs && STATE_RANK[state] >= STATE_RANK[current.state]);
  if (current.state === "delivered_to_webhook" || !newer) return { ...current, attempts };
  return { ...current, state, stateAtMs: event.atMs, attempts };
}

/** The sender's timeline of each message it sent, fed by its own accepts, reports and receipts. */
export function createTimelineKeeper(deps: { timeline: TimelineStore }) {
  const { timeline } = deps;

  /** Creates the record with its `accepted` and `queued` entries unless it exists. */
  const recordSent = (input: SentMessageInput, nowMs: number): void => {
    timeline.insertIfAbsent({ ...input, nowMs });
    for (const event of ["accepted", "queued"] as const) {
      timeline.addEvent({
        messageId: input.messageId,
        recipientDid: input.recipientDid,
        event,
        atMs: input.acceptedAtMs,
        dedupeKey: event,
      });
    }
  };

  const apply = (
    sent: SentMessageInput,
    entry: { event: TimelineEvent; atMs: number; attempt?: number; reason?: string; dedupeKey: string },
    nowMs: number,
    createAs: "accepted" | "bare",
  ) => {
    // A report may overtake the sender's own record of the accept, and then creates it; a receipt
    // for a record already pruned recreates only the record (its accept time is unknown).
    if (createAs === "accepted") recordSent(sent, nowMs);
    else timeline.insertIfAbsent({ ...sent, nowMs });
    const added = timeline.addEvent({ messageId: sent.messageId, recipientDid: sent.recipientDid, ...entry });
    const current = timeline.get(sent.messageId, sent.recipientDid);
    if (added && current) timeline.update(toNextSentState(current, entry), nowMs);
  };

  return {
    /** Idempotent: a duplicate accept adds nothing. */
    recordSent,
    recordReport(report: DeliveryReport, nowMs: number): void {
      apply(
        report,
        {
          event: report.event,
          atMs: report.atMs,
          ...(report.attempt === undefined ? {} : { attempt: report.attempt }),
          ...(report.reason ? { reason: report.reason } : {}),
          dedupeKey: `report:${report.reportId}`,
        },
        nowMs,
        "accepted",
      );
    },
    recordReceipt(data: DeliveryReceiptData, nowMs: number): void {
      const atMs = Date.parse(data.at);
      apply(
        {
          messageId: data.messageId,
          recipientDid: data.recipientAgentDid,
          correlationId: data.correlationId,
          // A receipt for a message whose record is gone recreates it; its priority is not on the receipt.
          priority: "normal",
          acceptedAtMs: atMs,
        },
        {
          event: data.status,
          atMs,
          ...(data.reason ? { reason: data.reason } : {}),
          dedupeKey: `receipt:${data.status}`,
        },
        nowMs,
        "bare",
      );
    },
    status(messageId: string, senderDid: string): MessageStatusResponse | undefined {
      const sent = timeline.findLatest(messageId);
      if (!sent) return undefined;
      return {
        messageId,
        correlationId: sent.correlationId,
        senderAgentDid: senderDid,
        recipientAgentDid: sent.recipientDid,
        priority: sent.priority,
        state: sent.state,
        attempts: sent.attempts,
        timeline: timeline.events(messageId, sent.recipientDid).map((entry) => ({
          event: entry.event,
          at: toIsoTimestamp(entry.atMs),
          ...(entry.attempt === null ? {} : { attempt: entry.attempt }),
          ...(entry.reason === null ? {} : { reason: entry.reason }),
        })),
      };
    },
  };
}
export type TimelineKeeper = ReturnType<typeof createTimelineKeeper>;
