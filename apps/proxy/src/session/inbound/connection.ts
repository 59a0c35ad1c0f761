import {
  RELAY_CLOSE_CODES,
  RELAY_PROTOCOL_V1,
  type RelayFrame,
  type RelayProtocolVersion,
  serializeRelayFrame,
} from "@clawdentity/protocol";
import { countBillable } from "../../billing";

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
