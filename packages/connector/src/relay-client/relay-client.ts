import {
  computeBackoffMs,
  type DeliverFrame,
  RELAY_CLOSE_CODES,
  RELAY_PATHS,
  RELAY_PROTOCOL_V2,
  type ReceiptFrame,
  type RelayFrame,
  serializeRelayFrame,
} from "@clawdentity/protocol";
import { createUlid } from "@clawdentity/sdk";
import WebSocket from "ws";
import { type Clock, toIso } from "../clock";
import type { ConnectorTuning } from "../config";
import type { DeliverDecision } from "../inbox";
import { type Logger, toErrorMessage } from "../logger";
import type { ConnectorMetrics } from "../metrics";
import type { ProxyClient } from "../proxy";
import { type FrameReading, MAX_SOCKET_MESSAGE_BYTES, readRelayFrame } from "./frame-reader";
import { createHeartbeat, type Heartbeat } from "./heartbeat";

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
  handleDeliver(frame: DeliverFrame): DeliverDecision;
  handleReceipt(frame: ReceiptFrame): void;
  /** The newest message id in the inbox, sent in `hello`. */
  lastReceivedId(): string | undefined;
  createWebSocket?: CreateWebSocket;
}

export interface RelayClient {
  start(): void;
  stop(): Promise<void>;
  status(): RelaySocketStatus;
}

/** `deliver_ack` reasons for a deliver frame refused before it was parsed. */
const UNREAD_REFUSALS = { too_large: "frame_too_large", too_complex: "payload_too_complex" } as const;

const toBuffer = (data: WebSocket.RawData): Buffer =>
  Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);

/**
 * Keeps one signed WebSocket to the agent's own relay session (`X-Claw-Relay-Protocol: 2`):
 * `hello` on open, heartbeats with a dead-socket check, reconnect with backoff and jitter. A
 * socket closed as superseded or revoked stays down, so two connectors never keep evicting each other.
 */
export function createRelayClient(deps: RelayClientDeps): RelayClient {
  const { clock, tuning, logger, metrics } = deps;
  const createWebSocket: CreateWebSocket =
    deps.createWebSocket ??
    ((url, headers) => new WebSocket(url, { headers, handshakeTimeout: 15_000, maxPayload: MAX_SOCKET_MESSAGE_BYTES }));
  const status: RelaySocketStatus = {
    state: "disconnected",
    connectedAt: null,
    lastFrameAt: null,
    lastHeartbeatRttMs: null,
    reconnectAttempts: 0,
    lastCloseCode: null,
  };
  let socket: WebSocket | null = null;
  let heartbeat: Heartbeat | null = null;
  let reconnectTimer: NodeJS.Timeout | null = null;
  let stopped = true;
  let disconnectedAt: number | null = null;
  let lastFrameMono = 0;

  const send = (frame: RelayFrame) => {
    const text = serializeRelayFrame(frame, RELAY_PROTOCOL_V2);
    if (text && socket?.readyState === WebSocket.OPEN) socket.send(text);
  };
  const frameBase = () => ({ v: 1 as const, id: createUlid(), ts: toIso(clock.now()) });

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

  const handleFrame = (frame: RelayFrame) => {
    switch (frame.type) {
      case "deliver": {
        const decision = deps.handleDeliver(frame);
        send({
          ...frameBase(),
          type: "deliver_ack",
          ackId: frame.id,
          accepted: decision.accepted,
          ...(decision.reason ? { reason: decision.reason } : {}),
        });
        return;
      }
      case "receipt":
        // Throws (no ack) when the receipt could not be made durable; the relay sends it again.
        deps.handleReceipt(frame);
        send({ ...frameBase(), type: "receipt_ack", ackId: frame.id });
        return;
      case "heartbeat":
        send({ ...frameBase(), type: "heartbeat_ack", ackId: frame.id });
        return;
      case "heartbeat_ack": {
        const rtt = heartbeat?.acknowledge(frame.ackId);
        if (rtt !== undefined) status.lastHeartbeatRttMs = rtt;
        return;
      }
      case "hello_ack":
        logger.info("relay session ready", {
          queuedCount: frame.queuedCount,
          expiredCount: frame.expiredCount,
          pendingReceipts: frame.pendingReceipts,
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
  const handleUnread = (reading: Extract<FrameReading, { ok: false }>) => {
    metrics.invalidFrames.inc({ reason: reading.reason });
    if (reading.deliverId && reading.reason !== "malformed") {
      const reason = UNREAD_REFUSALS[reading.reason];
      logger.warn("deliver frame refused unread", { messageId: reading.deliverId, reason, error: reading.error });
      send({ ...frameBase(), type: "deliver_ack", ackId: reading.deliverId, accepted: false, reason });
      return;
    }
    logger.warn("invalid frame from relay ignored", { reason: reading.reason, error: reading.error });
  };

  const onMessage = (data: WebSocket.RawData, isBinary: boolean) => {
    status.lastFrameAt = clock.now();
    lastFrameMono = performance.now();
    const reading: FrameReading = isBinary
      ? { ok: false, reason: "malformed", error: "binary frame" }
      : readRelayFrame(toBuffer(data));
    if (!reading.ok) return handleUnread(reading);
    const { frame } = reading;
    // A well-formed frame means the session works: the next outage starts from a short backoff again.
    status.reconnectAttempts = 0;
    try {
      handleFrame(frame);
    } catch (error) {
      logger.error("frame handling failed; not acknowledged", { type: frame.type, error: toErrorMessage(error) });
    }
  };

  const onOpen = (ws: WebSocket) => {
    if (ws !== socket) return;
    const now = clock.now();
    status.state = "connected";
    status.connectedAt = now;
    status.lastFrameAt = now;
    lastFrameMono = performance.now();
    metrics.socketConnects.inc();
    logger.info("relay socket connected");
    const lastReceivedId = deps.lastReceivedId();
    send({
      ...frameBase(),
      type: "hello",
      ...(lastReceivedId ? { lastReceivedId } : {}),
      ...(disconnectedAt !== null ? { offlineSinceMs: Math.max(0, now - disconnectedAt) } : {}),
    });
    disconnectedAt = null;
    heartbeat = createHeartbeat({
      intervalMs: tuning.heartbeatIntervalMs,
      deadAfterMs: tuning.deadSocketAfterMs,
      lastFrameAt: () => lastFrameMono,
      sendHeartbeat: (id) => send({ v: 1, id, ts: toIso(clock.now()), type: "heartbeat" }),
      onDead: () => {
        logger.warn("relay socket silent too long; reconnecting", { deadAfterMs: tuning.deadSocketAfterMs });
        ws.terminate();
      },
    });
  };

  const onClose = (ws: WebSocket, code: number, reason: string) => {
    if (ws !== socket) return;
    socket = null;
    heartbeat?.stop();
    heartbeat = null;
    status.lastCloseCode = code;
    disconnectedAt ??= clock.now();
    if (stopped) {
      status.state = "stopped";
      return;
    }
    if (code === RELAY_CLOSE_CODES.superseded || code === RELAY_CLOSE_CODES.revoked) {
      status.state = code === RELAY_CLOSE_CODES.superseded ? "superseded" : "disconnected";
      logger.warn("relay socket closed for good; not reconnecting", { code, reason });
      return;
    }
    status.state = "disconnected";
    logger.warn("relay socket closed", { code, reason });
    scheduleReconnect();
  };

  async function connect(): Promise<void> {
    if (stopped) return;
    status.state = "connecting";
    let ws: WebSocket;
    try {
      const request = await deps.proxy.createConnectRequest(RELAY_PATHS.connect);
      if (stopped) return;
      ws = createWebSocket(request.url, request.headers);
    } catch (error) {
      logger.error("relay socket could not start", { error: toErrorMessage(error) });
      status.state = "disconnected";
      scheduleReconnect();
      return;
    }
    socket = ws;
    ws.on("open", () => onOpen(ws));
    ws.on("message", onMessage);
    ws.on("error", (error) => logger.warn("relay socket error", { error: toErrorMessage(error) }));
    ws.on("close", (code, reason) => onClose(ws, code, reason.toString()));
  }

  return {
    start() {
      if (!stopped) return;
      stopped = false;
      void connect();
    },
    async stop() {
      stopped = true;
      status.state = "stopped";
      if (reconnectTimer) clearTimeout(reconnectTimer);
      reconnectTimer = null;
      heartbeat?.stop();
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
