import {
  computeBackoffMs,
  RELAY_CLOSE_CODES,
  RELAY_FEATURES,
  RELAY_PATHS,
  RELAY_PROTOCOL_V2,
  type ReceiptFrame,
  type RelayFrame,
  serializeRelayFrame,
  unbatchDelivers,
  unbatchReceipts,
} from "@clawdentity/protocol";
import { type Clock, createUlid, toIsoTimestamp } from "@clawdentity/sdk";
import WebSocket from "ws";
import type { ConnectorTuning } from "../config";
import type { IdentityGate } from "../identity";
import { type Logger, toErrorMessage } from "../logger";
import type { ConnectorMetrics } from "../metrics";
import type { ProxyClient } from "../proxy";
import { createDeliverIntake, type DeliverIntakeDeps } from "./deliver-intake";
import { type FrameReading, MAX_SOCKET_MESSAGE_BYTES, readRelayFrame } from "./frame-reader";
import { createHeartbeat, type Heartbeat } from "./heartbeat";
import { readUpgradeRefusal, type UpgradeRefusal } from "./upgrade-refusal";

export type RelaySocketState = "connecting" | "connected" | "disconnected" | "superseded" | "stopped";

export interface RelaySocketStatus {
  state: RelaySocketState;
  connectedAt: number | null;
  lastFrameAt: number | null;
  lastHeartbeatRttMs: number | null;
  reconnectAttempts: number;
  lastCloseCode: number | null;
}

export type CreateWebSocket = (url: string, headers: Record<string, string>) => WebSocket;

export interface RelayClientDeps {
  proxy: ProxyClient;
  clock: Clock;
  random: () => number;
  tuning: ConnectorTuning;
  metrics: ConnectorMetrics;
  logger: Logger;
  handleDeliver: DeliverIntakeDeps["handleDeliver"];
  /** Records receipts together (group commit); for each in order, whether it is durable (to be acked). */
  handleReceipts(frames: readonly ReceiptFrame[]): boolean[];
  /** The newest message id in the inbox, sent in `hello`. */
  lastReceivedId(): string | undefined;
  identity: IdentityGate;
  createWebSocket?: CreateWebSocket;
}

export interface RelayClient {
  start(): void;
  stop(): Promise<void>;
  status(): RelaySocketStatus;
  /** Seconds this process had a relay socket open, the current connection included. */
  connectedSeconds(): number;
  /**
   * Connects again with the current identity (it was renewed or replaced): the new socket takes
   * over once it is open, and the relay puts what was in flight on the old one back in its queue.
   */
  reconnect(): void;
}

const IDENTITY_REFUSALS: ReadonlySet<string | undefined> = new Set([
  "PROXY_AUTH_AIT_EXPIRED",
  "PROXY_AUTH_AGENT_REVOKED",
]);

/** `deliver_ack` reasons for a deliver frame refused before it was parsed. */
const UNREAD_REFUSALS = { too_large: "frame_too_large", too_complex: "payload_too_complex" } as const;

const toBuffer = (data: WebSocket.RawData): Buffer =>
  Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);

/**
 * Keeps one signed WebSocket to the agent's own relay session (`X-Claw-Relay-Protocol: 2`):
 * `hello` on open, heartbeats with a dead-socket check, reconnect with backoff and jitter. A
 * socket closed as superseded stays down, so two connectors never keep evicting each other; one
 * refused or closed for its identity (expired, revoked) stays down until a new identity is taken
 * up. A new identity replaces the socket without a gap: the old one keeps working, and is
 * answered on, until the new one is open.
 */
export function createRelayClient(deps: RelayClientDeps): RelayClient {
  const { clock, tuning, logger, metrics } = deps;
  const createWebSocket: CreateWebSocket =
    deps.createWebSocket ??
    ((url, headers) =>
      new WebSocket(url, {
        headers,
        handshakeTimeout: 15_000,
        maxPayload: MAX_SOCKET_MESSAGE_BYTES,
        // Frames are small JSON: deflating each costs both ends more CPU than it saves bytes.
        perMessageDeflate: false,
      }));
  const status: RelaySocketStatus = {
    state: "disconnected",
    connectedAt: null,
    lastFrameAt: null,
    lastHeartbeatRttMs: null,
    reconnectAttempts: 0,
    lastCloseCode: null,
  };
  let socket: WebSocket | null = null;
  /** A socket with a newer identity, connecting while `socket` still works. */
  let pending: WebSocket | null = null;
  const signedWith = new WeakMap<WebSocket, string>();
  const refusals = new WeakMap<WebSocket, UpgradeRefusal>();
  let heartbeat: Heartbeat | null = null;
  let reconnectTimer: NodeJS.Timeout | null = null;
  let stopped = true;
  let disconnectedAt: number | null = null;
  // Time connected by earlier sockets, and when the current one opened.
  let connectedMs = 0;
  let openSince: number | null = null;
  let lastFrameMono = 0;

  /** Answers go back on the socket the frame came from. */
  const sendOn = (ws: WebSocket | null, frame: RelayFrame) => {
    const text = serializeRelayFrame(frame, RELAY_PROTOCOL_V2);
    if (text && ws?.readyState === WebSocket.OPEN) ws.send(text);
  };
  const frameBase = () => ({ v: 1 as const, id: createUlid(), ts: toIsoTimestamp(clock.nowMs()) });
  /** Sockets whose `hello_ack` confirmed batch frames: acks go back batched on them. */
  const batching = new WeakSet<WebSocket>();
  const delivers = createDeliverIntake({
    logger,
    handleDeliver: deps.handleDeliver,
    sendOn,
    frameHead: frameBase,
    batching: (ws) => batching.has(ws),
  });

  /** Acks the receipts made durable: one `receipt_ack` each, or one `receipt_ack_batch` for a batch. */
  const takeReceipts = (ws: WebSocket, frames: readonly ReceiptFrame[], batched: boolean) => {
    const durable = deps.handleReceipts(frames);
    const ackIds = frames.filter((_frame, index) => durable[index]).map((frame) => frame.id);
    if (ackIds.length === 0) return;
    if (batched) return sendOn(ws, { ...frameBase(), type: "receipt_ack_batch", ackIds });
    for (const ackId of ackIds) sendOn(ws, { ...frameBase(), type: "receipt_ack", ackId });
  };

  const scheduleReconnect = () => {
    if (stopped || reconnectTimer) return;
    status.reconnectAttempts += 1;
    const delay = computeBackoffMs(status.reconnectAttempts, {
      baseMs: tuning.reconnectBaseMs,
      maxMs: tuning.reconnectMaxMs,
      jitterRatio: tuning.retryJitterRatio,
      random: deps.random,
    });
    logger.info("relay socket reconnecting", { inMs: delay, attempt: status.reconnectAttempts });
    reconnectTimer = setTimeout(() => {
      reconnectTimer = null;
      void connect();
    }, delay);
  };

  const handleFrame = (ws: WebSocket, frame: RelayFrame) => {
    const send = (reply: RelayFrame) => sendOn(ws, reply);
    switch (frame.type) {
      case "deliver":
        return delivers.add(ws, [frame]);
      case "deliver_batch":
        return delivers.add(ws, unbatchDelivers(frame));
      // A receipt not made durable is not acked: the relay sends it again.
      case "receipt":
        return takeReceipts(ws, [frame], false);
      case "receipt_batch":
        return takeReceipts(ws, unbatchReceipts(frame), true);
      case "heartbeat":
        send({ ...frameBase(), type: "heartbeat_ack", ackId: frame.id });
        return;
      case "heartbeat_ack": {
        const rtt = heartbeat?.acknowledge(frame.ackId);
        if (rtt !== undefined) status.lastHeartbeatRttMs = rtt;
        return;
      }
      case "hello_ack":
        if (frame.features?.includes(RELAY_FEATURES.batch)) batching.add(ws);
        logger.info("relay session ready", {
          queuedCount: frame.queuedCount,
          expiredCount: frame.expiredCount,
          pendingReceipts: frame.pendingReceipts,
          window: frame.window,
          batching: batching.has(ws),
        });
        return;
      default:
        return;
    }
  };

  /**
   * A frame that was not read: a deliver frame whose id is known is refused (the relay retries it
   * with backoff and dead-letters it after its last attempt), anything else is dropped (a deliver
   * frame then meets the relay's ack timeout, which counts as an attempt as well).
   */
  const handleUnread = (ws: WebSocket, reading: Extract<FrameReading, { ok: false }>) => {
    metrics.invalidFrames.inc({ reason: reading.reason });
    if (reading.deliverId && reading.reason !== "malformed") {
      const reason = UNREAD_REFUSALS[reading.reason];
      logger.warn("deliver frame refused unread", { messageId: reading.deliverId, reason, error: reading.error });
      sendOn(ws, { ...frameBase(), type: "deliver_ack", ackId: reading.deliverId, accepted: false, reason });
      return;
    }
    logger.warn("invalid frame from relay ignored", { reason: reading.reason, error: reading.error });
  };

  const onMessage = (ws: WebSocket, data: WebSocket.RawData, isBinary: boolean) => {
    if (ws === socket) {
      status.lastFrameAt = clock.nowMs();
      lastFrameMono = performance.now();
    }
    const reading: FrameReading = isBinary
      ? { ok: false, reason: "malformed", error: "binary frame" }
      : readRelayFrame(toBuffer(data));
    if (!reading.ok) return handleUnread(ws, reading);
    const { frame } = reading;
    // A well-formed frame means the session works: the next outage starts from a short backoff again.
    status.reconnectAttempts = 0;
    try {
      handleFrame(ws, frame);
    } catch (error) {
      logger.error("frame handling failed; not acknowledged", { type: frame.type, error: toErrorMessage(error) });
    }
  };

  /** The new socket is open: it takes over, and the old one is closed (the relay requeues its in-flight messages). */
  const takeOver = (ws: WebSocket) => {
    const old = socket;
    pending = null;
    socket = ws;
    heartbeat?.stop();
    heartbeat = null;
    if (old?.readyState === WebSocket.OPEN) old.close(1000, "replaced by a connection with a newer identity");
    logger.info("relay socket replaced", { jti: signedWith.get(ws) });
  };

  const onOpen = (ws: WebSocket) => {
    if (ws === pending) takeOver(ws);
    if (ws !== socket) return;
    const now = clock.nowMs();
    status.state = "connected";
    status.connectedAt = now;
    status.lastFrameAt = now;
    lastFrameMono = performance.now();
    metrics.socketConnects.inc();
    if (disconnectedAt !== null) metrics.socketReconnects.inc();
    connectedMs += openSince === null ? 0 : now - openSince;
    openSince = now;
    logger.info("relay socket connected");
    const lastReceivedId = deps.lastReceivedId();
    sendOn(ws, {
      ...frameBase(),
      type: "hello",
      ...(lastReceivedId ? { lastReceivedId } : {}),
      ...(disconnectedAt !== null ? { offlineSinceMs: Math.max(0, now - disconnectedAt) } : {}),
      features: [RELAY_FEATURES.batch],
    });
    disconnectedAt = null;
    heartbeat = createHeartbeat({
      intervalMs: tuning.heartbeatIntervalMs,
      deadAfterMs: tuning.deadSocketAfterMs,
      lastFrameAt: () => lastFrameMono,
      sendHeartbeat: (id) => sendOn(ws, { v: 1, id, ts: toIsoTimestamp(clock.nowMs()), type: "heartbeat" }),
      onDead: () => {
        logger.warn("relay socket silent too long; reconnecting", { deadAfterMs: tuning.deadSocketAfterMs });
        ws.terminate();
      },
    });
  };

  /**
   * The proxy refused the socket's AIT (upgrade 401, or closed 4003): reconnect at once when the
   * identity changed meanwhile, stay down when the keeper halts it (its change reconnects us).
   */
  const judgeIdentity = async (ws: WebSocket, code: string, error: string, reason: string | null) => {
    const verdict = await deps.identity.judgeRefusal({ jti: signedWith.get(ws) ?? "", code, error, reason });
    if (stopped || socket || pending) return;
    if (verdict === "retry") return void connect();
    status.state = "disconnected";
    logger.warn("relay socket down until a new identity is taken up", { code });
  };

  const onPendingClose = (ws: WebSocket, code: number) => {
    pending = null;
    const refusal = refusals.get(ws);
    logger.warn("replacement relay socket failed", { code, status: refusal?.status, error: refusal?.code });
    if (socket) {
      // The old socket still works; try the replacement again later.
      scheduleReconnect();
      return;
    }
    if (refusal && IDENTITY_REFUSALS.has(refusal.code)) {
      return void judgeIdentity(ws, refusal.code as string, `upgrade refused: HTTP ${refusal.status}`, refusal.reason);
    }
    scheduleReconnect();
  };

  const onClose = (ws: WebSocket, code: number, reason: string) => {
    if (ws === pending) return onPendingClose(ws, code);
    if (ws !== socket) return;
    socket = null;
    heartbeat?.stop();
    heartbeat = null;
    status.lastCloseCode = code;
    disconnectedAt ??= clock.nowMs();
    connectedMs += openSince === null ? 0 : clock.nowMs() - openSince;
    openSince = null;
    if (stopped) {
      status.state = "stopped";
      return;
    }
    if (pending) {
      // The relay closed the old socket for the new one (superseded), or the old AIT was revoked:
      // the replacement takes over when it opens.
      status.state = "connecting";
      return;
    }
    const refusal = refusals.get(ws);
    if (refusal) {
      logger.warn("relay socket refused", { status: refusal.status, code: refusal.code });
      if (IDENTITY_REFUSALS.has(refusal.code)) {
        status.state = "disconnected";
        return void judgeIdentity(
          ws,
          refusal.code as string,
          `upgrade refused: HTTP ${refusal.status}`,
          refusal.reason,
        );
      }
    }
    if (code === RELAY_CLOSE_CODES.superseded) {
      status.state = "superseded";
      logger.warn("relay socket closed for good; not reconnecting", { code, reason });
      return;
    }
    if (code === RELAY_CLOSE_CODES.revoked) {
      status.state = "disconnected";
      logger.warn("relay socket closed: its AIT or the agent was revoked", { code, reason });
      // `agent_revoked`: the agent is gone; `ait_revoked`: this AIT was replaced (reissued or renewed).
      const revocation = reason === "agent_revoked" ? "agent_revoked" : null;
      return void judgeIdentity(ws, "PROXY_AUTH_AGENT_REVOKED", `socket closed ${code} ${reason}`, revocation);
    }
    status.state = "disconnected";
    logger.warn("relay socket closed", { code, reason });
    scheduleReconnect();
  };

  async function connect(): Promise<void> {
    if (stopped || pending || socket?.readyState === WebSocket.CONNECTING) return;
    if (deps.identity.halted()) return;
    const replacing = socket !== null;
    if (!replacing) status.state = "connecting";
    let ws: WebSocket;
    try {
      const request = await deps.proxy.createConnectRequest(RELAY_PATHS.connect);
      if (stopped || pending) return;
      ws = createWebSocket(request.url, request.headers);
      signedWith.set(ws, request.jti);
    } catch (error) {
      logger.error("relay socket could not start", { error: toErrorMessage(error) });
      if (!socket) status.state = "disconnected";
      scheduleReconnect();
      return;
    }
    if (socket) pending = ws;
    else socket = ws;
    ws.on("open", () => onOpen(ws));
    ws.on("message", (data, isBinary) => onMessage(ws, data, isBinary));
    ws.on("unexpected-response", (_request, response) => {
      void readUpgradeRefusal(response).then((refusal) => {
        refusals.set(ws, refusal);
        ws.terminate();
      });
    });
    ws.on("error", (error) => logger.warn("relay socket error", { error: toErrorMessage(error) }));
    ws.on("close", (code, reason) => onClose(ws, code, reason.toString()));
  }

  return {
    connectedSeconds(): number {
      return (connectedMs + (openSince === null ? 0 : clock.nowMs() - openSince)) / 1000;
    },
    start() {
      if (!stopped) return;
      stopped = false;
      void connect();
    },
    reconnect() {
      if (stopped || status.state === "superseded") return;
      if (reconnectTimer) clearTimeout(reconnectTimer);
      reconnectTimer = null;
      status.reconnectAttempts = 0;
      // A socket still connecting signs with the old identity: drop it, its close connects again.
      if (socket?.readyState === WebSocket.CONNECTING) return void socket.terminate();
      pending?.terminate();
      void connect();
    },
    async stop() {
      stopped = true;
      status.state = "stopped";
      delivers.drop();
      if (reconnectTimer) clearTimeout(reconnectTimer);
      reconnectTimer = null;
      heartbeat?.stop();
      pending?.terminate();
      const ws = socket;
      if (!ws || ws.readyState === WebSocket.CLOSED) return;
      await new Promise<void>((resolve) => {
        const force = setTimeout(() => ws.terminate(), 1_000);
        ws.once("close", () => {
          clearTimeout(force);
          resolve();
        });
        if (ws.readyState === WebSocket.CONNECTING) ws.terminate();
        else ws.close(1000, "connector stopping");
      });
    },
    status: () => ({ ...status }),
  };
}
