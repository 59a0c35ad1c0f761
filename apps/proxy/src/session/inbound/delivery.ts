import {
  computeBackoffMs,
  type DeliverAckBatchFrame,
  type DeliverAckFrame,
  type DeliverFrame,
  FRAME_BATCH_LIMITS,
  PRIORITY_RANK,
  RELAY_PROTOCOL_V2,
  type RelayFrame,
  toBatchItem,
} from "@clawdentity/protocol";
import { createUlid, toIsoTimestamp } from "@clawdentity/sdk";
import type { RelaySettings } from "../../config";
import { METRICS, toHistogramDeltas } from "../../metrics";
import type { Outbox } from "../outbound";
import { toCircuitAfterFailure, toCircuitPhase, toDispatchAllowance } from "../policy";
import type { RelaySessionRuntime } from "../runtime";
import {
  COUNTERS,
  type DeadLetterStore,
  type IdentityStore,
  type MessageRecord,
  type MessageStore,
  type MetricsStore,
  type RateLimitStore,
  type RevocationStore,
  type SessionStateStore,
  type TrustStore,
} from "../stores";
import type { EnqueueInput, EnqueueResult } from "../types";
import type { SocketManager } from "./connection";
import type { DeadLetterRecorder } from "./dead-letters";

/*
 * One message's way through the recipient's session: intake (admitted into the queue or
 * refused), scheduling (pushed as `deliver` frames within the window, batched for a socket that
 * asked), and its ack (delivered, or retried with backoff until it dies).
 */

/** The most of a recipient's queue one sender may hold (operator policy); a pairing may only lower it. */
export const toMaxSenderQuota = (settings: Pick<RelaySettings, "queueCapacity" | "senderQueueShare">): number =>
  Math.max(1, Math.floor(settings.queueCapacity * settings.senderQueueShare));

/** The bucket of the recipient's own limit on one sender's inbound rate. */
export const toInboundRateScope = (senderDid: string) => `inbound:${senderDid}`;

/**
 * Admission of one message into the recipient's queue: known and not revoked recipient, trusted
 * sender, at most once per (sender, messageId), within the rate this recipient allows that
 * sender (its pairing limit, if it set one), and room made by shedding strictly lower priorities
 * (low first, oldest first) when the queue or the sender's quota is full. Every sender's quota is
 * at most the operator's share of the queue (`senderQueueShare`), critical messages included, so
 * one peer can never fill a recipient's whole queue; a pairing may set it lower.
 */
export function createMessageIntake(deps: {
  identity: IdentityStore;
  revocations: RevocationStore;
  trust: TrustStore;
  messages: MessageStore;
  metrics: MetricsStore;
  rateLimits: RateLimitStore;
  deadLetter: DeadLetterRecorder;
  runtime: RelaySessionRuntime;
}) {
  const { identity, revocations, trust, messages, metrics, rateLimits, deadLetter, runtime } = deps;

  /** Sheds until `isFull()` is false; false when nothing of lower priority is left to shed. */
  const makeRoom = (isFull: () => boolean, rank: number, nowMs: number, senderDid?: string): boolean => {
    while (isFull()) {
      const victim = messages.findSheddable(rank, senderDid);
      if (!victim) return false;
      deadLetter(victim, "queue_full", nowMs);
    }
    return true;
  };

  return {
    enqueue(input: EnqueueInput, nowMs: number): EnqueueResult {
      const self = identity.get();
      if (!self) return { ok: false, refusal: "recipient_not_found" };
      if (revocations.isAgentRevoked()) return { ok: false, refusal: "recipient_revoked" };
      const isSelf = input.senderDid === self.agentDid;
      const pair = isSelf ? undefined : trust.get(input.senderDid);
      if (!isSelf && !pair) return { ok: false, refusal: "sender_not_trusted" };

      const existing = messages.find(input.senderDid, input.messageId);
      if (existing) {
        metrics.increment(COUNTERS.duplicates);
        return {
          ok: true,
          state: "duplicate",
          queueDepth: messages.totalDepth(),
          correlationId: existing.correlationId,
        };
      }

      if (pair?.rateLimitPerMinute) {
        const taken = rateLimits.take(toInboundRateScope(input.senderDid), pair.rateLimitPerMinute, nowMs);
        if (!taken.allowed) return { ok: false, refusal: "rate_limited", retryAfterSeconds: taken.retryAfterSeconds };
      }

      const rank = PRIORITY_RANK[input.priority];
      const { queueCapacity, messageTtlMs } = runtime.settings;
      const quota = Math.min(pair?.queueQuota ?? Number.POSITIVE_INFINITY, toMaxSenderQuota(runtime.settings));
      const senderFull = () => messages.senderDepth(input.senderDid) >= quota;
      if (quota < queueCapacity && !makeRoom(senderFull, rank, nowMs, input.senderDid)) {
        return { ok: false, refusal: "queue_full", detail: "pair_quota" };
      }
      if (!makeRoom(() => messages.totalDepth() >= queueCapacity, rank, nowMs)) {
        return { ok: false, refusal: "queue_full", detail: "recipient_capacity" };
      }

      messages.insert({
        senderDid: input.senderDid,
        messageId: input.messageId,
        correlationId: input.correlationId,
        priority: input.priority,
        conversationId: input.conversationId ?? null,
        replyTo: input.replyTo ?? null,
        traceparent: input.traceparent ?? null,
        payload: input.payload,
        acceptedAtMs: input.acceptedAtMs,
        queuedAtMs: nowMs,
        expiresAtMs: input.acceptedAtMs + messageTtlMs,
      });
      metrics.increment(COUNTERS.accepted);
      return { ok: true, state: "queued", queueDepth: messages.totalDepth(), correlationId: input.correlationId };
    },
  };
}
export type MessageIntake = ReturnType<typeof createMessageIntake>;

const withReplyTo = (replyTo: string | undefined) => (replyTo ? { replyTo } : {});

const isUrl = (text: string): boolean => {
  try {
    new URL(text);
    return true;
  } catch {
    return false;
  }
};

/** One message's answer from the connector: a `deliver_ack`, or one entry of a `deliver_ack_batch`. */
interface DeliverAck {
  ackId: string;
  accepted: boolean;
  reason?: string | undefined;
}

/** Rows one alarm handles per kind of work; more work schedules the next alarm at once. */
const ALARM_BATCH = 200;

/**
 * Pushes `deliver` frames in priority-then-age order within the in-flight window, settles acks,
 * retries refusals with backoff (critical skips the delay), opens the circuit after repeated
 * refusals, and does the alarm's due work: redelivery, ack timeouts, expiry and retention.
 */
export function createDeliveryScheduler(deps: {
  identity: IdentityStore;
  messages: MessageStore;
  deadLetters: DeadLetterStore;
  metrics: MetricsStore;
  sessionState: SessionStateStore;
  sockets: SocketManager;
  deadLetter: DeadLetterRecorder;
  outbox: Outbox;
  runtime: RelaySessionRuntime;
}) {
  const { identity, messages, deadLetters, metrics, sessionState, sockets, deadLetter, outbox, runtime } = deps;

  /**
   * `replyTo` as the sender gave it — in this project usually the messageId being answered. The
   * public v1 protocol types it as a URL, and a v1 client drops (without an ack) a frame whose
   * `replyTo` is anything else, so a v1 socket only gets it when it is a URL.
   */
  const toReplyTo = (replyTo: string | null, version: number): string | undefined => {
    if (!replyTo) return undefined;
    return version >= RELAY_PROTOCOL_V2 || isUrl(replyTo) ? replyTo : undefined;
  };

  const toDeliverFrame = (
    message: MessageRecord,
    toAgentDid: string,
    version: number,
    nowMs: number,
  ): DeliverFrame => ({
    v: 1,
    type: "deliver",
    id: message.messageId,
    ts: toIsoTimestamp(nowMs),
    fromAgentDid: message.senderDid,
    toAgentDid,
    payload: message.payload === null ? null : JSON.parse(message.payload),
    ...(message.conversationId ? { conversationId: message.conversationId } : {}),
    ...withReplyTo(toReplyTo(message.replyTo, version)),
    messageId: message.messageId,
    correlationId: message.correlationId,
    priority: message.priority,
    attempt: message.attempts + 1,
  });

  /** A refusal or an ack timeout: retry later, or give up after the last attempt. */
  const fail = (message: MessageRecord, error: string, nowMs: number) => {
    const { settings, random } = runtime;
    sessionState.writeCircuit(
      toCircuitAfterFailure(sessionState.readCircuit(), nowMs, {
        failureThreshold: settings.circuitFailureThreshold,
        openMs: settings.circuitOpenMs,
      }),
    );
    if (message.attempts >= settings.maxAttempts) return deadLetter(message, "max_attempts", nowMs);
    if (message.priority === "critical") return messages.markQueued(message.seq, error);
    const delayMs = computeBackoffMs(message.attempts, {
      baseMs: settings.retryBaseMs,
      maxMs: settings.retryMaxMs,
      jitterRatio: settings.retryJitterRatio,
      random,
    });
    messages.markWaiting(message.seq, nowMs + delayMs, error);
  };

  /** The connector has the message: it leaves the queue for good and the sender's timeline says so. */
  const settleDelivered = (message: MessageRecord, nowMs: number) => {
    messages.markDelivered(message.seq, nowMs);
    metrics.increment(COUNTERS.delivered);
    metrics.recordLatency(nowMs - message.acceptedAtMs);
    metrics.incrementSeries(
      toHistogramDeltas(
        METRICS.relayDeliveryLatency,
        { priority: message.priority },
        (nowMs - message.acceptedAtMs) / 1000,
      ),
    );
    sessionState.closeCircuit();
    outbox.reportOn(message, "delivered_to_connector", nowMs, { attempt: message.attempts });
  };

  const handleAck = (ack: DeliverAck, nowMs: number): void => {
    const inFlight = messages.findInFlight(ack.ackId);
    // A positive ack that arrives after its ack timeout still settles the message.
    const message = inFlight ?? (ack.accepted ? messages.findUndelivered(ack.ackId) : undefined);
    if (!message) return;
    if (ack.accepted) {
      settleDelivered(message, nowMs);
      return;
    }
    metrics.increment(COUNTERS.refused);
    outbox.reportOn(message, "refused_by_connector", nowMs, {
      attempt: message.attempts,
      reason: ack.reason ?? "refused",
    });
    fail(message, ack.reason ?? "refused", nowMs);
  };

  /** Messages kept unacknowledged on a socket at most: more for one whose acks come in batches. */
  const windowFor = (batch: boolean) => (batch ? runtime.settings.batchWindow : runtime.settings.inFlightWindow);

  return {
    settleDelivered,
    windowFor,

    /**
     * Sends what the window and circuit allow to the active socket, in batch frames when it
     * asked for them; returns how many messages went out.
     */
    pump(nowMs: number): number {
      const active = sockets.activeReady(nowMs);
      const self = identity.get();
      if (!active || !self) return 0;
      const { ws: socket, attachment } = active;
      const phase = toCircuitPhase(sessionState.readCircuit(), nowMs);
      const allowance = toDispatchAllowance(phase, windowFor(Boolean(attachment.batch)), messages.inFlightCount());
      if (allowance === 0) return 0;
      const delivers = messages.nextReady(allowance).map((message) => {
        messages.markInFlight(message.seq, nowMs, nowMs + runtime.settings.ackTimeoutMs);
        return {
          frame: toDeliverFrame(message, self.agentDid, attachment.version, nowMs),
          payloadChars: message.payload?.length ?? 4,
        };
      });
      // Unsent messages stay in flight: their ack timeout or the socket's close puts them back.
      if (!attachment.batch) return delivers.filter(({ frame }) => sockets.send(socket, frame)).length;
      let sent = 0;
      for (const frame of packDelivers(delivers, nowMs)) {
        if (sockets.send(socket, frame)) sent += frame.type === "deliver_batch" ? frame.messages.length : 1;
      }
      return sent;
    },

    /** A `deliver_ack`, or a batch of them: each message settles on its own, a refusal leaves the others accepted. */
    handleAckFrame(frame: DeliverAckFrame | DeliverAckBatchFrame, nowMs: number): void {
      if (frame.type === "deliver_ack") {
        handleAck(frame, nowMs);
        return;
      }
      for (const ackId of frame.accepted) handleAck({ ackId, accepted: true }, nowMs);
      for (const { ackId, reason } of frame.refused) handleAck({ ackId, accepted: false, reason }, nowMs);
    },

    /** The socket that carried in-flight messages is gone: they go back to the queue as they were. */
    handleSocketGone(): void {
      messages.requeueInFlight();
    },

    /** The alarm's work; true when a batch limit was hit and more is due right away. */
    runDue(nowMs: number): boolean {
      const overdue = messages.overdueInFlight(nowMs, ALARM_BATCH);
      for (const message of overdue) fail(message, "ack_timeout", nowMs);
      const due = messages.dueWaiting(nowMs, ALARM_BATCH);
      for (const message of due) messages.markQueued(message.seq, message.lastError);
      const expired = messages.expired(nowMs, ALARM_BATCH);
      for (const message of expired) deadLetter(message, "expired", nowMs);
      const cutoffMs = nowMs - runtime.settings.retentionMs;
      const prunedDead = deadLetters.prune(cutoffMs, ALARM_BATCH);
      if (prunedDead > 0) metrics.increment(COUNTERS.retentionPruned);
      const pruned = messages.pruneDelivered(cutoffMs, ALARM_BATCH) + prunedDead;
      return [overdue.length, due.length, expired.length, pruned].some((count) => count >= ALARM_BATCH);
    },

    /**
     * Every time something becomes due; the alarm is set to the earliest. Circuit and hello
     * deadlines count only while ahead, as passing them needs no work of their own. When delivery
     * records and dead letters age out is the session maintenance's (one retention wake).
     */
    wakeTimesMs(nowMs: number): Array<number | null> {
      const ahead = (ms: number | null) => (ms !== null && ms > nowMs ? ms : null);
      return [
        messages.nextDueAtMs(),
        messages.nextExpiryAtMs(),
        ahead(sessionState.readCircuit().openUntilMs),
        ahead(sockets.nextHelloDeadlineMs()),
      ];
    },
  };
}
export type DeliveryScheduler = ReturnType<typeof createDeliveryScheduler>;

interface PackableDeliver {
  frame: DeliverFrame;
  /** The length of the payload's JSON text, as stored. */
  payloadChars: number;
}

/**
 * The frames a batching socket gets for `delivers`, in the order given (priority, then age):
 * consecutive messages share a `deliver_batch` within `FRAME_BATCH_LIMITS`, so the connector can
 * bound the frame before it parses it; a message alone in its run (one over the payload budget,
 * or the last one left) goes as a plain `deliver`.
 */
function packDelivers(delivers: readonly PackableDeliver[], nowMs: number): RelayFrame[] {
  const { maxMessages, maxPayloadChars } = FRAME_BATCH_LIMITS;
  const out: RelayFrame[] = [];
  let run: DeliverFrame[] = [];
  let runChars = 0;
  const flush = () => {
    if (run.length === 1) out.push(run[0] as DeliverFrame);
    if (run.length > 1) {
      const head = { v: 1 as const, id: createUlid(nowMs), ts: toIsoTimestamp(nowMs) };
      out.push({ ...head, type: "deliver_batch", messages: run.map(toBatchItem) });
    }
    run = [];
    runChars = 0;
  };
  for (const { frame, payloadChars } of delivers) {
    if (run.length === maxMessages || runChars + payloadChars > maxPayloadChars) flush();
    run.push(frame);
    runChars += payloadChars;
  }
  flush();
  return out;
}
