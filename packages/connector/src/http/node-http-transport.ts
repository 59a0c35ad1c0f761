import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import { type HttpAnswer, type HttpTransport, MAX_READ_BYTES } from "./http-call";

// Keep-alive connections, shared by every call of the process; an idle one does not hold the process open.
const clients = {
  "http:": { request: httpRequest, agent: new HttpAgent({ keepAlive: true }) },
  "https:": { request: httpsRequest, agent: new HttpsAgent({ keepAlive: true }) },
};

const toHeaders = (message: IncomingMessage): HttpAnswer["headers"] => ({
  get(name) {
    const value = message.headers[name.toLowerCase()];
    return value === undefined ? null : Array.isArray(value) ? value.join(", ") : value;
  },
});

const abortError = () => Object.assign(new Error("request aborted"), { name: "AbortError" });

/**
 * The connector's transport: Node's own HTTP client, several times cheaper per call than `fetch`
 * (no web streams, no Request and Response objects), which the relay and webhook paths make once
 * per message. An answer is read up to `MAX_READ_BYTES`; past that (declared or streamed) the
 * connection is dropped and only the status is kept. A failed call is not sent again here: a
 * signed request carries a nonce it may already have spent, so the caller signs a new one.
 */
export const nodeHttpTransport: HttpTransport = (request) =>
  new Promise<HttpAnswer>((resolve, reject) => {
    const url = new URL(request.url);
    const client = url.protocol === "http:" || url.protocol === "https:" ? clients[url.protocol] : undefined;
    if (!client) return reject(new TypeError(`unsupported protocol ${url.protocol}`));
    if (request.signal.aborted) return reject(abortError());
    const body = request.body === undefined ? undefined : Buffer.from(request.body);
    // Not `signal` in the options: with one, Node's agent goes on handing out a kept connection the
    // server closed on its idle timeout, and every call on it fails.
    const onAbort = () => outgoing.destroy(abortError());
    const settle = () => request.signal.removeEventListener("abort", onAbort);
    const outgoing = client.request(
      url,
      {
        method: request.method,
        headers: body ? { ...request.headers, "content-length": String(body.byteLength) } : request.headers,
        agent: client.agent,
      },
      (message) => {
        const headers = toHeaders(message);
        const finish = (text: string | null) => {
          settle();
          resolve({ status: message.statusCode ?? 0, headers, text });
        };
        const cut = () => {
          message.destroy();
          finish(null);
        };
        if (Number(message.headers["content-length"] ?? 0) > MAX_READ_BYTES) return cut();
        const chunks: Buffer[] = [];
        let length = 0;
        message.on("data", (chunk: Buffer) => {
          length += chunk.byteLength;
          if (length > MAX_READ_BYTES) cut();
          else chunks.push(chunk);
        });
        message.on("end", () => finish(Buffer.concat(chunks).toString()));
        message.on("error", (error) => {
          settle();
          reject(error);
        });
      },
    );
    request.signal.addEventListener("abort", onAbort, { once: true });
    outgoing.on("error", (error) => {
      settle();
      reject(error);
    });
    outgoing.end(body);
  });
