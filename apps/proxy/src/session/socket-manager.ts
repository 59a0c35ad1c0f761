import {
  RELAY_CLOSE_CODES,
  RELAY_PROTOCOL_V1,
  type RelayFrame,
  type RelayProtocolVersion,
  serializeRelayFrame,
} from "@clawdentity/protocol";
import { countBillable } from "../billing";

/** Kept on each hibernatable socket; survives the object being evicted between frames. */
export interface SocketAttachment {
  version: RelayProtocolVersion;
  /** The AIT the connection authenticated with, so revoking that `jti` closes it. */
  jti: string;
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
 * a newer one supersedes the older, which is closed with `RELAY_CLOSE_CODES.superseded`.
 */
export function createSocketManager(ctx: DurableObjectState, helloGraceMs: () => number) {
  const attachmentOf = (ws: WebSocket): SocketAttachment | null =>
    ws.deserializeAttachment() as SocketAttachment | null;
  const isOpen = (ws: WebSocket) => ws.readyState === WebSocket.OPEN;

  const openSockets = () =>
    ctx
      .getWebSockets()
      .filter(isOpen)
      .flatMap((ws) => {
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
      const previous = openSockets();
      for (const { ws } of previous) close(ws, RELAY_CLOSE_CODES.superseded, "superseded by a newer connection");
      const pair = new WebSocketPair();
      const [client, server] = Object.values(pair) as [WebSocket, WebSocket];
      ctx.acceptWebSocket(server);
      const attachment: SocketAttachment = {
        version: input.version,
        jti: input.jti,
        connectionId: input.connectionId,
        connectedAtMs: input.nowMs,
        ready: input.version === RELAY_PROTOCOL_V1,
      };
      server.serializeAttachment(attachment);
      return { client, superseded: previous.length };
    },
    versionOf,
    hasOpen(): boolean {
      return openSockets().length > 0;
    },
    hasOpenOtherThan(ws: WebSocket): boolean {
      return openSockets().some((socket) => socket.ws !== ws);
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
    /** Closes the open sockets that match; returns how many. */
    closeWhere(match: (attachment: SocketAttachment) => boolean, code: number, reason: string): number {
      const matching = openSockets().filter(({ attachment }) => match(attachment));
      for (const { ws } of matching) close(ws, code, reason);
      return matching.length;
    },
  };
}
export type SocketManager = ReturnType<typeof createSocketManager>;
