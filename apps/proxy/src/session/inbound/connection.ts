import {
  type HelloAckFrame,
  type HelloFrame,
  parseRelayFrame,
  RELAY_CLOSE_CODES,
  RELAY_FEATURES,
  RELAY_PROTOCOL_V1,
  RELAY_PROTOCOL_V2,
  type RelayFrame,
  type RelayProtocolVersion,
  serializeRelayFrame,
  V2_ONLY_FRAME_TYPES,
} from "@clawdentity/protocol";
import { createUlid, toIsoTimestamp } from "@clawdentity/sdk";
import { countBillable } from "../../billing";
import type { SenderReceipts } from "../outbound";
import type { DeadLetterStore, MessageStore } from "../stores";
import type { DeliveryScheduler } from "./delivery";

/*
 * The connector's side of the session: its hibernatable sockets (accepted, superseded, sent to,
 * closed) and the frames that arrive on them, each handed to the flow it belongs to.
 */

/** Kept on each hibernatable socket; survives the object being evicted between frames. */
export interface SocketAttachment {
  version: RelayProtocolVersion;
  /** Which connection a receipt was last pushed on, so a reconnect gets unacknowledged ones again. */
  connectionId: string;
  connectedAtMs: number;
  /** A v2 socket is ready after `hello` (or the grace period); a v1 socket at once. */
  ready: boolean;
  /** Its `hello` asked for batch frames (`RELAY_FEATURES.batch`); absent on sockets from before them. */
  batch?: boolean;
}

export interface AcceptSocketInput {
  version: RelayProtocolVersion;
  /** The AIT the connection authenticated with: the socket's tag, so revoking that `jti` closes it. */
  jti: string;
  connectionId: string;
  nowMs: number;
}

export interface ActiveSocket {
  ws: WebSocket;
  attachment: SocketAttachment;
}

/**
 * The relay session's WebSockets over the hibernation API. One connection per agent is active:
 * a newer one supersedes the older, which is closed with `RELAY_CLOSE_CODES.superseded`. Each
 * socket is tagged with its AIT's `jti`, so revoking one AIT finds its sockets without reading
 * any attachment.
 */
export function createSocketManager(ctx: DurableObjectState, helloGraceMs: () => number) {
  const attachmentOf = (ws: WebSocket): SocketAttachment | null =>
    ws.deserializeAttachment() as SocketAttachment | null;
  const isOpen = (ws: WebSocket) => ws.readyState === WebSocket.OPEN;

  /** Open sockets, all of them or those of one AIT (its `jti` tag). */
  const openWebSockets = (jti?: string) => ctx.getWebSockets(jti).filter(isOpen);

  const openSockets = () =>
    openWebSockets().flatMap((ws) => {
      const attachment = attachmentOf(ws);
      return attachment ? [{ ws, attachment }] : [];
    });

  const active = () =>
    openSockets().reduce<ActiveSocket | undefined>(
      (newest, candidate) =>
        !newest || candidate.attachment.connectedAtMs >= newest.attachment.connectedAtMs ? candidate : newest,
      undefined,
    );

  const isReady = (attachment: SocketAttachment, nowMs: number) =>
    attachment.ready || nowMs >= attachment.connectedAtMs + helloGraceMs();

  const versionOf = (ws: WebSocket): RelayProtocolVersion => attachmentOf(ws)?.version ?? RELAY_PROTOCOL_V1;

  const close = (ws: WebSocket, code: number, reason: string) => {
    try {
      ws.close(code, reason);
    } catch {
      // Already closing: nothing left to tell the peer.
    }
  };

  return {
    /** Accepts a new connection; returns how many older ones it superseded. */
    accept(input: AcceptSocketInput): { client: WebSocket; superseded: number } {
      const previous = openWebSockets();
      for (const ws of previous) close(ws, RELAY_CLOSE_CODES.superseded, "superseded by a newer connection");
      const pair = new WebSocketPair();
      const [client, server] = Object.values(pair) as [WebSocket, WebSocket];
      ctx.acceptWebSocket(server, [input.jti]);
      const attachment: SocketAttachment = {
        version: input.version,
        connectionId: input.connectionId,
        connectedAtMs: input.nowMs,
        ready: input.version === RELAY_PROTOCOL_V1,
      };
      server.serializeAttachment(attachment);
      return { client, superseded: previous.length };
    },
    versionOf,
    hasOpen(): boolean {
      return openWebSockets().length > 0;
    },
    hasOpenOtherThan(ws: WebSocket): boolean {
      return openWebSockets().some((socket) => socket !== ws);
    },
    /** The active socket when it may receive deliveries and receipts now. */
    activeReady(nowMs: number): ActiveSocket | undefined {
      const current = active();
      return current && isReady(current.attachment, nowMs) ? current : undefined;
    },
    /** The socket said `hello`: it is ready, and takes batch frames when it asked for them. */
    markReady(ws: WebSocket, batch: boolean): void {
      const attachment = attachmentOf(ws);
      if (attachment && (!attachment.ready || Boolean(attachment.batch) !== batch)) {
        ws.serializeAttachment({ ...attachment, ready: true, batch });
      }
    },
    /** When a v2 socket that never said `hello` becomes ready anyway. */
    nextHelloDeadlineMs(): number | null {
      const current = active();
      return current && !current.attachment.ready ? current.attachment.connectedAtMs + helloGraceMs() : null;
    },
    /** Sends a frame shaped for the socket's protocol version; false when it could not be sent. */
    send(ws: WebSocket, frame: RelayFrame): boolean {
      const text = serializeRelayFrame(frame, versionOf(ws));
      if (text === null || !isOpen(ws)) return false;
      try {
        ws.send(text);
        countBillable("webSocketMessagesOut");
        return true;
      } catch {
        return false;
      }
    },
    close,
    /** Closes the open sockets of one AIT (`jti`), or every open socket without one; returns how many. */
    closeOpen(jti: string | undefined, code: number, reason: string): number {
      const matching = openWebSockets(jti);
      for (const ws of matching) close(ws, code, reason);
      return matching.length;
    },
  };
}
export type SocketManager = ReturnType<typeof createSocketManager>;

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
  senderReceipts: SenderReceipts;
  messages: MessageStore;
  deadLetters: DeadLetterStore;
  /** Pushes deliveries and receipts the socket may now take; true when receipts are left over. */
  pushAll: (nowMs: number) => boolean;
}) {
  const { sockets, scheduler, senderReceipts, messages, deadLetters, pushAll } = deps;

  const toHelloAck = (nowMs: number, batch: boolean): HelloAckFrame => {
    const oldest = messages.oldestLiveAcceptedAtMs();
    return {
      v: 1,
      type: "hello_ack",
      id: createUlid(nowMs),
      ts: toIsoTimestamp(nowMs),
      queuedCount: messages.totalDepth(),
      expiredCount: deadLetters.countHeld("expired"),
      pendingReceipts: senderReceipts.pendingCount(),
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
        case "deliver_ack_batch":
          scheduler.handleAckFrame(frame, nowMs);
          return { changed: true, more: pushAll(nowMs) };
        case "receipt_ack":
          senderReceipts.acknowledge(frame.ackId, nowMs);
          return { changed: true, more: false };
        case "receipt_ack_batch":
          for (const ackId of frame.ackIds) senderReceipts.acknowledge(ackId, nowMs);
          return { changed: true, more: false };
        default:
          // heartbeat_ack needs no answer.
          return { changed: false, more: false };
      }
    },
  };
}
export type FrameHandler = ReturnType<typeof createFrameHandler>;
