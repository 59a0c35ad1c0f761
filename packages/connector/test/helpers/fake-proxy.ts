import type { IncomingMessage, ServerResponse } from "node:http";
import {
  CLAW_HEADERS,
  deliveryReceiptRequestSchema,
  type MessageStatusResponse,
  messageStatusResponseSchema,
  parseRelayFrame,
  parseRelayMessageHeaders,
  RELAY_PATHS,
  type RelayFrame,
  serializeRelayFrame,
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
import { readBody, type StartedServer, sendJson, startHttpServer } from "./http-server";

export interface RecordedRequest {
  path: string;
  headers: Headers;
  body: string;
  json: unknown;
  /** The AIT subject of a request whose Claw signature verified. */
  agentDid: string;
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
  /** Signed `GET /v1/relay/messages/:messageId` lookups (`messageId` is the last path segment). */
  statusChecks: RecordedRequest[];
  /** Requests refused for a bad signature, with the reason. */
  authFailures: Array<{ path: string; reason: string }>;
  /** Requests whose headers or body broke the PROTOCOL.md §4 shapes. */
  contractFailures: Array<{ path: string; error: string }>;
  upgrades: Array<{ headers: Headers; agentDid: string }>;
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
}): Promise<FakeProxy> {
  const nonces = createMemoryNonceStore();
  const held: Array<{ request: RecordedRequest; response: ServerResponse }> = [];
  const sockets = new Set<WebSocket>();
  let messageResponder: Responder = accept202;
  let receiptResponder: Responder = () => ({ status: 202, body: { accepted: true } });
  let statusResponder: Responder = messageNotFound;
  let autoHeartbeatAck = true;
  const proxy = {
    messages: [] as RecordedRequest[],
    receipts: [] as RecordedRequest[],
    statusChecks: [] as RecordedRequest[],
    authFailures: [] as Array<{ path: string; reason: string }>,
    contractFailures: [] as Array<{ path: string; error: string }>,
    upgrades: [] as Array<{ headers: Headers; agentDid: string }>,
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
    return { headers, agentDid: verified.claims.sub };
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
        proxy.authFailures.push({ path: request.url ?? "", reason: (error as ClawAuthError).reason ?? String(error) });
        socket.end("HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n");
      });
  });

  const send = (ws: WebSocket, frame: RelayFrame) => ws.send(serializeRelayFrame(frame, 2) as string);
  const accept = (ws: WebSocket) => {
    sockets.add(ws);
    ws.on("close", () => sockets.delete(ws));
    ws.on("message", (data) => {
      const frame = parseRelayFrame(data.toString());
      proxy.frames.push(frame);
      options.onFrame?.(frame);
      if (frame.type === "hello") {
        send(ws, { ...frameBase(), type: "hello_ack", queuedCount: 0, expiredCount: 0, pendingReceipts: 0 });
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
    async close() {
      for (const ws of sockets) ws.terminate();
      wss.close();
      await server.close();
    },
  };
}
