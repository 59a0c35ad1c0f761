import { type DeliveryReceiptEvent, EVENT_TYPES, type Priority, type ReceiptStatus } from "@clawdentity/protocol";
import { createUlid } from "@clawdentity/sdk";
import { toIsoTimestamp } from "../../clock";
import type { IdentityStore, MessageRecord, OutboundStore } from "../stores";

/** A receipt this session publishes about a message it holds from `senderDid`. */
export interface ReceiptNotice {
  senderDid: string;
  messageId: string;
  correlationId: string;
  status: ReceiptStatus;
  reason?: string;
  atMs: number;
  /** The agent that posted it, or null for the relay's own dead-letter notices. */
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
 * Writes outbound rows inside the caller's transaction (persist first); the flusher sends them
 * afterwards and the alarm retries what could not be sent.
 */
export function createOutboundWriter(deps: { outbound: OutboundStore; identity: IdentityStore }) {
  const { outbound, identity } = deps;
  const selfDid = () => {
    const self = identity.get();
    if (!self) throw new Error("a relay session without an agent cannot owe anything");
    return self.agentDid;
  };

  return {
    /** Queues a `delivery_receipt` event; false when the same receipt was already queued or sent. */
    receipt(notice: ReceiptNotice, nowMs: number): boolean {
      const id = createUlid(nowMs);
      const event: DeliveryReceiptEvent = {
        id,
        type: EVENT_TYPES.deliveryReceipt,
        version: "v1",
        timestampUtc: toIsoTimestamp(nowMs),
        initiatedByAccountId: notice.initiatedBy,
        data: {
          messageId: notice.messageId,
          correlationId: notice.correlationId,
          senderAgentDid: notice.senderDid,
          recipientAgentDid: selfDid(),
          status: notice.status,
          ...(notice.reason ? { reason: notice.reason } : {}),
          at: toIsoTimestamp(notice.atMs),
        },
      };
      return outbound.insert({
        id,
        kind: "receipt",
        targetDid: notice.senderDid,
        dedupeKey: `receipt:${notice.senderDid}:${notice.messageId}:${notice.status}`,
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
export type OutboundWriter = ReturnType<typeof createOutboundWriter>;
