import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { type WebhookBody, webhookBodySchema } from "@clawdentity/protocol";

/** Larger bodies are refused (413); the connector's payloads are far smaller. */
const MAX_BODY_BYTES = 1024 * 1024;

export interface WebhookArrival {
  method: string;
  path: string;
  body: WebhookBody;
}

export interface WebhookListener {
  url: string;
  close(): Promise<void>;
}

export interface WebhookListenerOptions {
  host: string;
  port: number;
  /** The status every valid body is answered with (2xx: delivered; others let a test of retries fail it). */
  answerStatus: number;
  /** Checks a call's signature (PROTOCOL.md §9): resolves with why it is refused, or null. */
  verify?(headers: IncomingHttpHeaders, text: string): Promise<string | null>;
  onArrival(arrival: WebhookArrival): void;
  /** A request that is not a webhook body (not JSON, or not a shape of PROTOCOL.md §9): answered 400. */
  onRefused(reason: string): void;
}

function readBody(request: IncomingMessage): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        resolve(null);
        request.destroy();
      } else chunks.push(chunk);
    });
    request.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    request.on("error", reject);
  });
}

function parseWebhookBody(text: string): { body: WebhookBody } | { refused: string } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { refused: "not JSON" };
  }
  const parsed = webhookBodySchema.safeParse(json);
  if (!parsed.success) return { refused: `not a webhook body: ${parsed.error.issues[0]?.message ?? "invalid"}` };
  return { body: parsed.data };
}

/** An agent runtime's webhook for people: accepts every delivery, receipt and notice, and reports it. */
export async function createWebhookListener(options: WebhookListenerOptions): Promise<WebhookListener> {
  const server: Server = createServer((request, response) => {
    const answer = (status: number, body?: unknown) => {
      response.writeHead(status, body === undefined ? {} : { "content-type": "application/json" });
      response.end(body === undefined ? undefined : JSON.stringify(body));
    };
    if (request.method !== "POST") return answer(405, { error: { code: "METHOD_NOT_ALLOWED", message: "POST only" } });
    readBody(request).then(
      async (text) => {
        if (text === null) {
          options.onRefused(`a body over ${MAX_BODY_BYTES} bytes`);
          return answer(413, { error: { code: "PAYLOAD_TOO_LARGE", message: "body too large" } });
        }
        const unsigned = options.verify ? await options.verify(request.headers, text) : null;
        if (unsigned) {
          options.onRefused(`signature: ${unsigned}`);
          return answer(401, { error: { code: "INVALID_WEBHOOK_SIGNATURE", message: unsigned } });
        }
        const parsed = parseWebhookBody(text);
        if ("refused" in parsed) {
          options.onRefused(parsed.refused);
          return answer(400, { error: { code: "INVALID_WEBHOOK_BODY", message: parsed.refused } });
        }
        options.onArrival({ method: request.method ?? "POST", path: request.url ?? "/", body: parsed.body });
        answer(options.answerStatus, options.answerStatus === 204 ? undefined : { ok: options.answerStatus < 300 });
      },
      () => answer(400),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host.includes(":") ? `[${options.host}]` : options.host;
  return {
    url: `http://${host}:${port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
