import {
  type HelloAckFrame,
  type HelloFrame,
  parseRelayFrame,
  RELAY_CLOSE_CODES,
  RELAY_FEATURES,
  RELAY_PROTOCOL_V2,
  type RelayFrame,
  V2_ONLY_FRAME_TYPES,
} from "@clawdentity/protocol";
import { createUlid } from "@clawdentity/sdk";
import { toIsoTimestamp } from "../../clock";
import type { ReceiptDispatcher } from "../outbound/sender-record";
import type { DeadLetterStore, MessageStore } from "../stores";
import type { SocketManager } from "./connection";
import type { DeliveryScheduler } from "./delivery";

/** The close reasons of a protocol error (close code 4002, `protocolError`), stable for clients to match. */
export type ProtocolErrorReason = "binary_frame" | "invalid_frame" | "unexpected_frame";

/** What a connector may send; anything else on the socket is a protocol error. */
const FROM_CONNECTOR: ReadonlySet<RelayFrame["type"]> = new Set([
  "heartbeat",
  "heartbeat_ack",
  "deliver_ack",
  "receipt_ack",
  "hello",
  "deliver_ack_batch",
  "receipt_ack_batch",
]);

/**
 * Handles one text frame from a connector. Heartbeats are answered here rather than by the
 * runtime's auto-response, because the ack must echo the heartbeat's own id.
 */
export function createFrameHandler(deps: {
  sockets: SocketManager;
  scheduler: DeliveryScheduler;
  receipts: ReceiptDispatcher;
  messages: MessageStore;
  deadLetters: DeadLetterStore;
  /** Pushes deliveries and receipts the socket may now take; true when receipts are left over. */
  pushAll: (nowMs: number) => boolean;
}) {
  const { sockets, scheduler, receipts, messages, deadLetters, pushAll } = deps;

  const toHelloAck = (nowMs: number, batch: boolean): HelloAckFrame => {
    const oldest = messages.oldestLiveAcceptedAtMs();
    return {
      v: 1,
      type: "hello_ack",
      id: createUlid(nowMs),
      ts: toIsoTimestamp(nowMs),
      queuedCount: messages.totalDepth(),
      expiredCount: deadLetters.countHeld("expired"),
      pendingReceipts: receipts.pendingCount(),
      ...(oldest === null ? {} : { oldestQueuedAt: toIsoTimestamp(oldest) }),
      window: scheduler.windowFor(batch),
      features: batch ? [RELAY_FEATURES.batch] : [],
    };
  };

  const asksForBatches = (hello: HelloFrame) => hello.features?.includes(RELAY_FEATURES.batch) ?? false;

  /** Closes with a stable reason code: nothing of the peer's input is echoed back. */
  const refuse = (ws: WebSocket, reason: ProtocolErrorReason): null => {
    sockets.close(ws, RELAY_CLOSE_CODES.protocolError, reason);
    return null;
  };

  const parse = (ws: WebSocket, data: string | ArrayBuffer): RelayFrame | null => {
    if (typeof data !== "string") return refuse(ws, "binary_frame");
    let frame: RelayFrame;
    try {
      frame = parseRelayFrame(data);
    } catch {
      return refuse(ws, "invalid_frame");
    }
    const v2Only = V2_ONLY_FRAME_TYPES.has(frame.type) && sockets.versionOf(ws) < RELAY_PROTOCOL_V2;
    if (!FROM_CONNECTOR.has(frame.type) || v2Only) return refuse(ws, "unexpected_frame");
    return frame;
  };

  return {
    /**
     * `changed`: the frame may have changed what is due (the caller reschedules the alarm);
     * `more`: a push batch was full, so the alarm should run again at once.
     */
    handle(ws: WebSocket, data: string | ArrayBuffer, nowMs: number): { changed: boolean; more: boolean } {
      const frame = parse(ws, data);
      if (!frame) return { changed: false, more: false };
      switch (frame.type) {
        case "heartbeat":
          sockets.send(ws, {
            v: 1,
            type: "heartbeat_ack",
            id: createUlid(nowMs),
            ts: toIsoTimestamp(nowMs),
            ackId: frame.id,
          });
          return { changed: false, more: false };
        case "hello": {
          const batch = asksForBatches(frame);
          sockets.markReady(ws, batch);
          sockets.send(ws, toHelloAck(nowMs, batch));
          return { changed: true, more: pushAll(nowMs) };
        }
        case "deliver_ack":
          scheduler.handleAck(frame, nowMs);
          return { changed: true, more: pushAll(nowMs) };
        case "deliver_ack_batch":
          // Each message settles on its own: a refusal in the batch leaves the others accepted.
          for (const ackId of frame.accepted) scheduler.handleAck({ ackId, accepted: true }, nowMs);
          for (const { ackId, reason } of frame.refused) scheduler.handleAck({ ackId, accepted: false, reason }, nowMs);
          return { changed: true, more: pushAll(nowMs) };
        case "receipt_ack":
          receipts.acknowledge(frame.ackId, nowMs);
          return { changed: true, more: false };
        case "receipt_ack_batch":
          for (const ackId of frame.ackIds) receipts.acknowledge(ackId, nowMs);
          return { changed: true, more: false };
        default:
          // heartbeat_ack needs no answer.
          return { changed: false, more: false };
      }
    },
  };
}
export type FrameHandler = ReturnType<typeof createFrameHandler>;
