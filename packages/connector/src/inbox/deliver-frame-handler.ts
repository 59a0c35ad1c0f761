import { DEFAULT_PRIORITY, type DeliverFrame, JSON_STRUCTURE_LIMITS } from "@clawdentity/protocol";
import type { ConnectorContext } from "../context";
import { toErrorMessage } from "../logger";
import { describeStructureProblem, toPayloadText } from "../payload-limits";
import { type ClaimedStart, commitThenClaim } from "../storage";
import { requeueDeliveryReceipt } from "./delivery-receipt";

export interface DeliverDecision {
  accepted: boolean;
  duplicate: boolean;
  reason?: string;
}

export interface DeliverFrameHandlerDeps extends ConnectorContext {
  agentDid: string;
  /** The webhook worker's `claimWithin`: a new message's lease commits with it and it is delivered at once. */
  claimStored: () => ClaimedStart;
  /** A duplicate brought a finished message's receipt back: wake the receipt poster. */
  onReceiptQueued: () => void;
}

type Checked = { frame: DeliverFrame; messageId: string; payloadText: string };
type Stored = { stored: boolean; receiptRequeued: boolean } | { error: string };

/**
 * Stores `deliver` frames in the inbox and says, for each in order, whether to ack it as accepted.
 * Group commit: the frames of one batch are stored in ONE transaction (one fsync), each in its own
 * savepoint, so a frame that cannot be stored is refused alone while the others commit. The
 * transaction is committed before this returns, so the `deliver_ack`s sent afterwards never
 * acknowledge a message a crash could lose; a crash after the commit but before the acks leaves
 * the messages stored and unacked, and the relay's redelivery is then acked as a duplicate. A
 * redelivery is accepted without a second copy: the inbox is unique on (sender, messageId). When
 * that message is already finished, its receipt is sent again if it was given up or pruned, in the
 * same transaction. A payload past `JSON_STRUCTURE_LIMITS` is refused, never stored: the proxy
 * refuses such payloads at its entry. Frames are stored in the order given (the relay's priority order).
 */
export function createDeliverFrameHandler(deps: DeliverFrameHandlerDeps) {
  const { storage, clock, tuning, metrics, logger } = deps;

  /** A refusal decided before storage, or the frame with its payload text. */
  const check = (frame: DeliverFrame): DeliverDecision | Checked => {
    const messageId = frame.messageId ?? frame.id;
    if (frame.toAgentDid !== deps.agentDid) {
      logger.warn("deliver frame for another agent refused", { messageId, toAgentDid: frame.toAgentDid });
      return { accepted: false, duplicate: false, reason: "wrong_recipient" };
    }
    const payload = toPayloadText(frame.payload ?? null);
    if (payload.text === null) {
      metrics.invalidFrames.inc({ reason: "too_complex" });
      const error = `payload ${describeStructureProblem(payload.problem, JSON_STRUCTURE_LIMITS)}`;
      logger.warn("deliver frame refused", { messageId, reason: "payload_too_complex", error });
      return { accepted: false, duplicate: false, reason: "payload_too_complex" };
    }
    return { frame, messageId, payloadText: payload.text };
  };

  const store = ({ frame, messageId, payloadText }: Checked, now: number) => {
    const inserted = storage.inbox.accept(
      {
        senderDid: frame.fromAgentDid,
        messageId,
        correlationId: frame.correlationId ?? messageId,
        toAgentDid: frame.toAgentDid,
        payload: payloadText,
        conversationId: frame.conversationId ?? null,
        replyTo: frame.replyTo ?? null,
        priority: frame.priority ?? DEFAULT_PRIORITY,
      },
      { now, ttlMs: tuning.webhookTtlMs },
    );
    const receiptRequeued =
      !inserted &&
      requeueDeliveryReceipt(storage, { senderDid: frame.fromAgentDid, messageId, now, ttlMs: tuning.receiptTtlMs });
    return { stored: inserted, receiptRequeued };
  };

  const toDecision = ({ frame, messageId }: Checked, outcome: Stored): DeliverDecision => {
    if ("error" in outcome) {
      // Not durable, so not acknowledged: the relay keeps it and offers it again later.
      logger.error("could not store deliver frame", { messageId, error: outcome.error });
      return { accepted: false, duplicate: false, reason: "storage_unavailable" };
    }
    if (!outcome.stored) {
      metrics.inboundDuplicates.inc();
      logger.debug("duplicate deliver frame acknowledged", {
        messageId,
        fromAgentDid: frame.fromAgentDid,
        receiptRequeued: outcome.receiptRequeued,
      });
      return { accepted: true, duplicate: true };
    }
    metrics.inboundReceived.inc({ priority: frame.priority ?? DEFAULT_PRIORITY });
    logger.debug("inbound message stored", { messageId, fromAgentDid: frame.fromAgentDid, attempt: frame.attempt });
    return { accepted: true, duplicate: false };
  };

  return function handleDeliverFrames(frames: readonly DeliverFrame[]): DeliverDecision[] {
    const checked = frames.map(check);
    const storable = checked.filter((entry): entry is Checked => "frame" in entry);
    const now = clock.nowMs();
    let storedAny = false;
    const writes = storable.map((entry) => () => {
      const stored = store(entry, now);
      storedAny ||= stored.stored;
      return stored;
    });
    // A new row is leased by the webhook worker in the transaction that stores it.
    const outcomes = commitThenClaim(storage.commitEach, writes, () =>
      storedAny ? deps.claimStored() : undefined,
    ).map((outcome): Stored => (outcome.ok ? outcome.value : { error: toErrorMessage(outcome.error) }));
    const decided = new Map(storable.map((entry, index) => [entry, toDecision(entry, outcomes[index] as Stored)]));
    if (outcomes.some((outcome) => "receiptRequeued" in outcome && outcome.receiptRequeued)) deps.onReceiptQueued();
    return checked.map((entry) => ("frame" in entry ? (decided.get(entry) as DeliverDecision) : entry));
  };
}
