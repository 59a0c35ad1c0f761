import { computeBackoffMs, type DeliverFrame, RELAY_PROTOCOL_V2 } from "@clawdentity/protocol";
import { toIsoTimestamp } from "../../clock";
import { METRICS, toHistogramDeltas } from "../../metrics";
import type { OutboundWriter } from "../outbound/outbox";
import { toCircuitAfterFailure, toCircuitPhase, toDispatchAllowance } from "../policy";
import type { RelaySessionRuntime } from "../runtime";
import {
  COUNTERS,
  type DeadLetterStore,
  type IdentityStore,
  type MessageRecord,
  type MessageStore,
  type MetricsStore,
  type SessionStateStore,
} from "../stores";
import type { SocketManager } from "./connection";
import type { DeadLetterRecorder } from "./dead-letters";
import { packDelivers } from "./deliver-batching";

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
export interface DeliverAck {
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
  reports: OutboundWriter;
  runtime: RelaySessionRuntime;
}) {
  const { identity, messages, deadLetters, metrics, sessionState, sockets, deadLetter, reports, runtime } = deps;

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
    reports.reportOn(message, "delivered_to_connector", nowMs, { attempt: message.attempts });
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

    handleAck(frame: DeliverAck, nowMs: number): void {
      const inFlight = messages.findInFlight(frame.ackId);
      // A positive ack that arrives after its ack timeout still settles the message.
      const message = inFlight ?? (frame.accepted ? messages.findUndelivered(frame.ackId) : undefined);
      if (!message) return;
      if (frame.accepted) {
        settleDelivered(message, nowMs);
        return;
      }
      metrics.increment(COUNTERS.refused);
      reports.reportOn(message, "refused_by_connector", nowMs, {
        attempt: message.attempts,
        reason: frame.reason ?? "refused",
      });
      fail(message, frame.reason ?? "refused", nowMs);
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
