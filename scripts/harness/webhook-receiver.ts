import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { checkHmacSha256 } from "../../packages/connector/src/http/index.ts";
import {
  type DeliveryWebhookBody,
  type NoticeWebhookBody,
  type PingWebhookBody,
  type ReceiptWebhookBody,
  type WebhookBody,
  webhookBodySchema,
} from "../../packages/protocol/src/index.ts";
import { verifyWebhook } from "../../packages/sdk/src/index.ts";
import { type WaitOptions, waitFor } from "./wait-for";

/** A webhook body about one message: a delivery or a receipt (notices are about the agent itself). */
export type MessageWebhookBody = Exclude<WebhookBody, NoticeWebhookBody | PingWebhookBody>;

/** Decides the HTTP status the runtime answers for one webhook call (200 = delivered); may take its time. */
export type WebhookResponder = (body: MessageWebhookBody) => number | Promise<number>;

/** Called once an answer has been written to the caller's connection. */
export type WebhookAnswerListener = (body: MessageWebhookBody, status: number) => void;

export interface WebhookReceiver {
  url: string;
  /** Every `clawdentity.delivery.v1` body answered 2xx, in arrival order (redeliveries included). */
  deliveries: DeliveryWebhookBody[];
  /** Every `clawdentity.receipt.v1` body, in arrival order. */
  receipts: ReceiptWebhookBody[];
  /** Every `clawdentity.notice.v1` body, in arrival order (always answered 200, never passed to the responder). */
  notices: NoticeWebhookBody[];
  /** Every call, whatever was answered: messageId → number of calls. */
  calls: Map<string, number>;
  /** messageIds of calls waiting for the runtime's answer (a responder taking its time). */
  inFlight: Set<string>;
  /** Bodies that did not match the protocol's webhook schema or its signature (should stay empty). */
  invalid: unknown[];
  respondWith(responder: WebhookResponder): void;
  /** From now on every call must carry a valid Standard Webhooks signature with this secret (else 401). */
  requireSignature(secret: string): void;
  /** Runs `listener` right after each answer is written (e.g. to kill the caller just after a 2xx); returns the unsubscribe. */
  onAnswered(listener: WebhookAnswerListener): () => void;
  waitForDelivery(messageId: string, options?: WaitOptions): Promise<DeliveryWebhookBody>;
  waitForReceipt(
    messageId: string,
    status?: ReceiptWebhookBody["status"],
    options?: WaitOptions,
  ): Promise<ReceiptWebhookBody>;
  waitForNotice(code: string, options?: WaitOptions): Promise<NoticeWebhookBody>;
  close(): Promise<void>;
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = "";
    request.setEncoding("utf8");
    request.on("data", (chunk: string) => {
      text += chunk;
    });
    request.on("end", () => resolve(text));
    request.on("error", reject);
  });
}

function parseWebhookBody(text: string): WebhookBody | null {
  try {
    const parsed = webhookBodySchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** A small agent runtime: the webhook a connector delivers to, on 127.0.0.1, recording what it got. */
export async function startWebhookReceiver(options: { responder?: WebhookResponder } = {}): Promise<WebhookReceiver> {
  let responder: WebhookResponder = options.responder ?? (() => 200);
  const deliveries: DeliveryWebhookBody[] = [];
  const receipts: ReceiptWebhookBody[] = [];
  const notices: NoticeWebhookBody[] = [];
  const calls = new Map<string, number>();
  const inFlight = new Set<string>();
  const invalid: unknown[] = [];
  const answerListeners = new Set<WebhookAnswerListener>();

  let secret: string | null = null;

  const server = createServer(async (request, response) => {
    const text = await readBody(request);
    if (secret) {
      const refused = await verifyWebhook({
        secret,
        headers: request.headers,
        body: text,
        checkMac: checkHmacSha256,
      }).then(
        () => null,
        (error: Error) => error.message,
      );
      if (refused) {
        invalid.push({ signature: refused, text });
        response.writeHead(401).end();
        return;
      }
    }
    const body = parseWebhookBody(text);
    if (!body) {
      invalid.push(text);
      response.writeHead(400).end();
      return;
    }
    if (body.type === "clawdentity.notice.v1") {
      notices.push(body);
      response.writeHead(200).end();
      return;
    }
    if (body.type === "clawdentity.ping.v1") {
      response.writeHead(204).end();
      return;
    }
    calls.set(body.messageId, (calls.get(body.messageId) ?? 0) + 1);
    // A caller that went away before the answer (a killed connector) has delivered nothing.
    const gone = new Promise<null>((resolve) => response.once("close", () => resolve(null)));
    inFlight.add(body.messageId);
    const status = await Promise.race([responder(body), gone]).finally(() => inFlight.delete(body.messageId));
    if (status === null || response.destroyed) return;
    if (status >= 200 && status < 300) {
      if (body.type === "clawdentity.delivery.v1") deliveries.push(body);
      else receipts.push(body);
    }
    response.writeHead(status).end();
    for (const listener of answerListeners) listener(body, status);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/clawdentity`,
    deliveries,
    receipts,
    notices,
    calls,
    inFlight,
    invalid,
    respondWith(next) {
      responder = next;
    },
    requireSignature(next) {
      secret = next;
    },
    onAnswered(listener) {
      answerListeners.add(listener);
      return () => answerListeners.delete(listener);
    },
    waitForDelivery: (messageId, waitOptions) =>
      waitFor(`delivery of ${messageId}`, () => deliveries.find((body) => body.messageId === messageId), waitOptions),
    waitForReceipt: (messageId, status, waitOptions) =>
      waitFor(
        `${status ?? "a"} receipt for ${messageId}`,
        () => receipts.find((body) => body.messageId === messageId && (!status || body.status === status)),
        waitOptions,
      ),
    waitForNotice: (code, waitOptions) =>
      waitFor(`notice ${code}`, () => notices.find((body) => body.code === code), waitOptions),
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
