import type { IncomingMessage, ServerResponse } from "node:http";
import {
  CLAW_HEADERS,
  type DeliverFrame,
  deliveryReceiptRequestSchema,
  type MessageStatusResponse,
  messageStatusResponseSchema,
  parseRelayFrame,
  parseRelayMessageHeaders,
  RELAY_FEATURES,
  RELAY_PATHS,
  type RelayFrame,
  serializeRelayFrame,
  toBatchItem,
  ulidSchema,
} from "@clawdentity/protocol";
import {
  ClawAuthError,
  createMemoryNonceStore,
  createUlid,
  type SigningKeyResolver,
  verifyClawRequest,
} from "@clawdentity/sdk";
import { type WebSocket, WebSocketServer } from "ws";
import { answerMessageBatch, answerReceiptBatch } from "./fake-batch";
import { readBody, type StartedServer, sendJson, startHttpServer } from "./http-server";

export interface RecordedRequest {
  path: string;
  headers: Headers;
  body: string;
  json: unknown;
  /** The AIT subject of a request whose Claw signature verified. */
  agentDid: string;
  /** The `jti` of the AIT that signed it. */
  jti: string;
  receivedAt: number;
  /** Status answered, null while held, "aborted" when the caller went away first. */
  answered: number | "aborted" | null;
}

export interface FakeAnswer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** How the fake answers a request: an answer, `hold` (never answer until released) or `drop` (reset). */
export type Responder = (request: RecordedRequest) => FakeAnswer | "hold" | "drop";

export interface FakeProxy {
  url: string;
  port: number;
  messages: RecordedRequest[];
  receipts: RecordedRequest[];
  /** Batch requests (with `batchRoutes`); each item is recorded in `messages` or `receipts` as well. */
  batches: RecordedRequest[];
  /** Signed `GET /v1/relay/messages/:messageId` lookups (`messageId` is the last path segment). */
  statusChecks: RecordedRequest[];
  /** Requests refused for a bad signature, with the reason. */
  authFailures: Array<{ path: string; reason: string }>;
  /** Requests whose headers or body broke the PROTOCOL.md §4 shapes. */
  contractFailures: Array<{ path: string; error: string }>;
  upgrades: Array<{ headers: Headers; agentDid: string; jti: string }>;
  frames: RelayFrame[];
  respondMessages(responder: Responder): void;
  respondReceipts(responder: Responder): void;
  /** Answers status lookups; 404 `PROXY_MESSAGE_NOT_FOUND` until told otherwise. */
  respondStatus(responder: Responder): void;
  releaseHeld(answer: FakeAnswer): void;
  refuseConnections(refuse: boolean): void;
  /** When false, incoming `heartbeat` frames get no ack (a silent relay). */
  setAutoHeartbeatAck(enabled: boolean): void;
  openSockets(): number;
  sendFrame(frame: RelayFrame): void;
  /** Sends raw text as one frame, for what a frame object cannot express. */
  sendText(text: string): void;
  closeSockets(code: number, reason?: string): void;
  /**
   * Delivers like the relay session does: each frame pushed to the newest socket until a
   * `deliver_ack accepted:true` for it arrives on any socket; a new socket gets every unacked frame
   * again (the relay requeues the in-flight messages of a superseded socket).
   */
  deliverLikeRelay(frames: RelayFrame[]): void;
  /**
   * From now on acks arriving on the sockets open now are lost (still recorded in `frames`, never
   * applied), as acks in transit are when a socket goes away: their frames stay unacked.
   */
  loseAcksOfOpenSockets(): void;
  /** jtis refused from now on with `401 PROXY_AUTH_AGENT_REVOKED` (a CRL entry), checked after the signature. */
  revokedJtis: Set<string>;
  close(): Promise<void>;
}

export const accept202: Responder = (request) => ({
  status: 202,
  body: {
    messageId: request.headers.get(CLAW_HEADERS.messageId),
    correlationId: request.headers.get(CLAW_HEADERS.correlationId),
    state: "queued",
    queueDepth: 1,
  },
});

export const messageNotFound: Responder = () => ({
  status: 404,
  body: { error: { code: "PROXY_MESSAGE_NOT_FOUND", message: "no such message", requestId: "fake" } },
});

/** A `GET /v1/relay/messages/:messageId` answer as the sender's relay session would give it. */
export function createMessageStatus(input: {
  messageId: string;
  sender: string;
  recipient: string;
  state: MessageStatusResponse["state"];
  reason?: string;
  at?: string;
}): MessageStatusResponse {
  const at = input.at ?? new Date().toISOString();
  const timeline: MessageStatusResponse["timeline"] = [
    { event: "accepted", at },
    { event: "queued", at },
  ];
  if (input.state !== "queued") timeline.push({ event: "delivered_to_connector", at, attempt: 1 });
  if (input.state === "delivered_to_webhook") timeline.push({ event: "delivered_to_webhook", at });
  if (input.state === "dead_lettered") {
    timeline.push({ event: "dead_lettered", at, ...(input.reason ? { reason: input.reason } : {}) });
  }
  return messageStatusResponseSchema.parse({
    messageId: input.messageId,
    correlationId: input.messageId,
    senderAgentDid: input.sender,
    recipientAgentDid: input.recipient,
    priority: "normal",
    state: input.state,
    attempts: 1,
    timeline,
  });
}

export const frameBase = () => ({ v: 1 as const, id: createUlid(), ts: new Date().toISOString() });

/** Which recorded list a request belongs to, by method and path; null for a route the fake lacks. */
function toRoute(method: string | undefined, path: string): "messages" | "receipts" | "statusChecks" | null {
  if (method === "POST" && path === RELAY_PATHS.messages) return "messages";
  if (method === "POST" && path === RELAY_PATHS.deliveryReceipts) return "receipts";
  if (method === "GET" && path.startsWith(`${RELAY_PATHS.messages}/`)) return "statusChecks";
  return null;
}

/**
 * A stand-in for the agent's own proxy, built to PROTOCOL.md §2–§5: it verifies every Claw signature
 * with the sdk (replayed nonces included), records what arrived and answers as told.
 */
export async function startFakeProxy(options: {
  keys: SigningKeyResolver;
  port?: number;
  /** Called synchronously as each frame arrives, before anything else can happen. */
  onFrame?: (frame: RelayFrame) => void;
  /** Close older sockets of the agent with 4001 when a new one connects, as the relay does. */
  supersede?: boolean;
  /** Serve the batch routes (§4.3.1, §4.5.1); without them they are 404, as on an older proxy. */
  batchRoutes?: boolean;
  /**
   * Confirm batch frames to a connector whose `hello` asks for them, as the relay does:
   * `deliverLikeRelay` then pushes one `deliver_batch` (a new socket gets unacked ones again one by one).
   */
  batch?: boolean;
}): Promise<FakeProxy> {
  const nonces = createMemoryNonceStore();
  const held: Array<{ request: RecordedRequest; response: ServerResponse }> = [];
  const sockets = new Set<WebSocket>();
  let messageResponder: Responder = accept202;
  let receiptResponder: Responder = () => ({ status: 202, body: { accepted: true } });
  let statusResponder: Responder = messageNotFound;
  let autoHeartbeatAck = true;
  const revokedJtis = new Set<string>();
  /** Frames `deliverLikeRelay` keeps pushing until acked, in order. */
  const relayQueue = new Map<string, RelayFrame>();
  let newest: WebSocket | null = null;
  const lossy = new WeakSet<WebSocket>();
  const batching = new WeakSet<WebSocket>();
  const proxy = {
    messages: [] as RecordedRequest[],
    receipts: [] as RecordedRequest[],
    batches: [] as RecordedRequest[],
    statusChecks: [] as RecordedRequest[],
    authFailures: [] as Array<{ path: string; reason: string }>,
    contractFailures: [] as Array<{ path: string; error: string }>,
    upgrades: [] as Array<{ headers: Headers; agentDid: string; jti: string }>,
    frames: [] as RelayFrame[],
  };

  const verify = async (request: IncomingMessage, body: string) => {
    const headers = new Headers(request.headers as Record<string, string>);
    const verified = await verifyClawRequest({
      method: request.method ?? "GET",
      pathWithQuery: request.url ?? "/",
      headers,
      body,
      keys: options.keys,
      nowSeconds: Math.floor(Date.now() / 1000),
      nonceStore: nonces,
    });
    if (revokedJtis.has(verified.claims.jti)) throw new ClawAuthError("AGENT_REVOKED", "the AIT was revoked");
    return { headers, agentDid: verified.claims.sub, jti: verified.claims.jti };
  };

  const answer = (record: RecordedRequest, response: ServerResponse, result: FakeAnswer) => {
    if (record.answered === "aborted") return;
    record.answered = result.status;
    sendJson(response, result.status, result.body, result.headers);
  };

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const body = await readBody(request);
    const path = request.url ?? "/";
    let verified: Awaited<ReturnType<typeof verify>>;
    try {
      verified = await verify(request, body);
    } catch (error) {
      const reason = error instanceof ClawAuthError ? error.reason : String(error);
      proxy.authFailures.push({ path, reason });
      sendJson(response, 401, { error: { code: `PROXY_AUTH_${reason}`, message: "refused", requestId: "fake" } });
      return;
    }
    let json: unknown = null;
    try {
      json = JSON.parse(body);
    } catch {}
    const record: RecordedRequest = { path, body, json, ...verified, receivedAt: Date.now(), answered: null };
    response.on("close", () => {
      if (record.answered === null) record.answered = "aborted";
    });
    if (options.batchRoutes && request.method === "POST" && path === RELAY_PATHS.messagesBatch) {
      proxy.batches.push(record);
      return answer(record, response, answerMessageBatch(record, messageResponder, proxy.messages));
    }
    if (options.batchRoutes && request.method === "POST" && path === RELAY_PATHS.deliveryReceiptsBatch) {
      proxy.batches.push(record);
      return answer(record, response, answerReceiptBatch(record, receiptResponder, proxy.receipts));
    }
    const route = toRoute(request.method, path);
    try {
      if (route === "messages") parseRelayMessageHeaders(record.headers);
      else if (route === "receipts") deliveryReceiptRequestSchema.parse(json);
      else if (route === "statusChecks") ulidSchema.parse(path.slice(RELAY_PATHS.messages.length + 1));
    } catch (error) {
      proxy.contractFailures.push({ path, error: String(error) });
      return sendJson(response, 400, { error: { code: "PROXY_VALIDATION_FAILED", message: "bad", requestId: "fake" } });
    }
    if (!route)
      return sendJson(response, 404, { error: { code: "PROXY_NOT_FOUND", message: path, requestId: "fake" } });
    proxy[route].push(record);
    const responders = { messages: messageResponder, receipts: receiptResponder, statusChecks: statusResponder };
    const result = responders[route](record);
    if (result === "drop") return response.socket?.destroy();
    if (result === "hold") return held.push({ request: record, response });
    answer(record, response, result);
  };

  const server: StartedServer = await startHttpServer((request, response) => {
    handle(request, response).catch((error) => sendJson(response, 500, { error: String(error) }));
  }, options.port);

  const wss = new WebSocketServer({ noServer: true });
  server.server.on("upgrade", (request, socket, head) => {
    verify(request, "")
      .then((verified) => {
        if (request.url !== RELAY_PATHS.connect) throw new Error(`unexpected upgrade path ${request.url}`);
        proxy.upgrades.push(verified);
        wss.handleUpgrade(request, socket, head, (ws) => accept(ws));
      })
      .catch((error) => {
        const reason = (error as ClawAuthError).reason ?? String(error);
        proxy.authFailures.push({ path: request.url ?? "", reason });
        const body = JSON.stringify({ error: { code: `PROXY_AUTH_${reason}`, message: "refused", requestId: "fake" } });
        socket.end(
          `HTTP/1.1 401 Unauthorized\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
        );
      });
  });

  const send = (ws: WebSocket, frame: RelayFrame) => ws.send(serializeRelayFrame(frame, 2) as string);
  const accept = (ws: WebSocket) => {
    if (options.supersede) for (const older of sockets) older.close(4001, "superseded by a newer connection");
    sockets.add(ws);
    newest = ws;
    ws.on("close", () => sockets.delete(ws));
    for (const frame of relayQueue.values()) send(ws, frame);
    ws.on("message", (data) => {
      const frame = parseRelayFrame(data.toString());
      proxy.frames.push(frame);
      if (frame.type === "deliver_ack" && frame.accepted && !lossy.has(ws)) relayQueue.delete(frame.ackId);
      if (frame.type === "deliver_ack_batch" && !lossy.has(ws)) {
        for (const ackId of frame.accepted) relayQueue.delete(ackId);
      }
      options.onFrame?.(frame);
      if (frame.type === "hello") {
        const batch = Boolean(options.batch && frame.features?.includes(RELAY_FEATURES.batch));
        if (batch) batching.add(ws);
        const counts = { queuedCount: 0, expiredCount: 0, pendingReceipts: 0 };
        const features = batch ? [RELAY_FEATURES.batch] : [];
        send(ws, { ...frameBase(), type: "hello_ack", ...counts, window: 16, features });
      }
      if (frame.type === "heartbeat" && autoHeartbeatAck)
        send(ws, { ...frameBase(), type: "heartbeat_ack", ackId: frame.id });
    });
  };

  return {
    ...proxy,
    url: server.url,
    port: server.port,
    respondMessages: (responder) => {
      messageResponder = responder;
    },
    respondReceipts: (responder) => {
      receiptResponder = responder;
    },
    respondStatus: (responder) => {
      statusResponder = responder;
    },
    releaseHeld(result) {
      for (const { request, response } of held.splice(0)) answer(request, response, result);
    },
    refuseConnections: server.refuseConnections,
    setAutoHeartbeatAck: (enabled) => {
      autoHeartbeatAck = enabled;
    },
    openSockets: () => sockets.size,
    sendFrame(frame) {
      for (const ws of sockets) send(ws, frame);
    },
    sendText(text) {
      for (const ws of sockets) ws.send(text);
    },
    closeSockets(code, reason) {
      for (const ws of sockets) ws.close(code, reason);
    },
    deliverLikeRelay(frames) {
      for (const frame of frames) relayQueue.set(frame.id, frame);
      if (!newest || !sockets.has(newest)) return;
      const delivers = frames.filter((frame): frame is DeliverFrame => frame.type === "deliver");
      if (batching.has(newest) && delivers.length === frames.length) {
        send(newest, { ...frameBase(), type: "deliver_batch", messages: delivers.map(toBatchItem) });
        return;
      }
      for (const frame of frames) send(newest, frame);
    },
    loseAcksOfOpenSockets() {
      for (const ws of sockets) lossy.add(ws);
    },
    revokedJtis,
    async close() {
      for (const ws of sockets) ws.terminate();
      wss.close();
      await server.close();
    },
  };
}
