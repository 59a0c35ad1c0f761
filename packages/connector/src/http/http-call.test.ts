import { createServer, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { callHttp, type FetchLike, fetchTransport, HttpCallError } from "./http-call";
import { nodeHttpTransport } from "./node-http-transport";

const CHUNK = new Uint8Array(64 * 1024).fill(0x20);

/** A fetch that answers `body` (or a stream of `chunks` blank chunks), counting the chunks read. */
function createFetch(answer: { body?: string; chunks?: number; headers?: Record<string, string> }) {
  const state = { pulled: 0 };
  const fetch: FetchLike = async () => {
    if (answer.body !== undefined) return new Response(answer.body, { status: 502, headers: answer.headers });
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        state.pulled += 1;
        if (state.pulled > (answer.chunks ?? 0)) controller.close();
        else controller.enqueue(CHUNK);
      },
    });
    return new Response(body, { status: 200, headers: answer.headers });
  };
  return { fetch, state };
}

const call = (fetch: FetchLike) =>
  callHttp({ http: fetchTransport(fetch), url: "http://127.0.0.1:9/x", method: "GET", headers: {}, timeoutMs: 5_000 });

describe("callHttp over a fetch", () => {
  it("parses a JSON answer", async () => {
    const { fetch } = createFetch({ body: '{"error":{"code":"PROXY_INTERNAL"}}' });
    expect(await call(fetch)).toMatchObject({ status: 502, json: { error: { code: "PROXY_INTERNAL" } } });
  });

  it("stops reading an answer past 64 KiB and keeps only its status", async () => {
    const { fetch, state } = createFetch({ chunks: 1_000 });
    expect(await call(fetch)).toMatchObject({ status: 200, json: null });
    expect(state.pulled).toBeLessThan(5);
  });

  it("does not read an answer whose Content-Length is past 64 KiB", async () => {
    const { fetch, state } = createFetch({
      chunks: 1_000,
      headers: { "content-length": String(1_000 * CHUNK.length) },
    });
    expect(await call(fetch)).toMatchObject({ status: 200, json: null });
    expect(state.pulled).toBeLessThan(3);
  });

  it("does not parse an answer nested past the structure limits", async () => {
    const deep = `{"error":${"[".repeat(20_000)}${"]".repeat(20_000)}}`;
    const { fetch } = createFetch({ body: deep });
    expect(await call(fetch)).toMatchObject({ status: 502, json: null });
    const wide = `[${Array.from({ length: 20_001 }, () => "0").join(",")}]`;
    expect(await call(createFetch({ body: wide }).fetch)).toMatchObject({ status: 502, json: null });
  });
});

/** A real server for Node's transport: each path answers its own way; `written` counts the big answer's chunks. */
describe("callHttp over Node's HTTP client", () => {
  let server: Server;
  let base = "";
  const state = {
    written: 0,
    seen: [] as Array<{ method?: string; body: string; headers: Record<string, unknown>; port?: number }>,
  };
  const streamBig = (response: ServerResponse) => {
    response.writeHead(200);
    const write = () => {
      while (state.written < 1_000) {
        state.written += 1;
        if (!response.write(CHUNK)) return void response.once("drain", write);
      }
      response.end();
    };
    write();
  };

  beforeAll(async () => {
    server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on("data", (chunk: Buffer) => chunks.push(chunk));
      request.on("end", () => {
        state.seen.push({
          method: request.method,
          body: Buffer.concat(chunks).toString(),
          headers: request.headers,
          port: request.socket.remotePort,
        });
        if (request.url === "/json") {
          response.writeHead(429, { "content-type": "application/json", "retry-after": "7" });
          response.end('{"error":{"code":"PROXY_RATE_LIMITED"}}');
        } else if (request.url === "/big") streamBig(response);
        else if (request.url === "/declared-big") {
          response.writeHead(200, { "content-length": String(10 * 1024 * 1024) });
          response.write(CHUNK);
        } else if (request.url === "/redirect") {
          response.writeHead(307, { location: "/json" }).end();
        }
        // /silent: never answers
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const call = (path: string, extra: { timeoutMs?: number; signal?: AbortSignal; body?: string } = {}) =>
    callHttp({
      http: nodeHttpTransport,
      url: `${base}${path}`,
      method: extra.body === undefined ? "GET" : "POST",
      headers: { "content-type": "application/json", "x-claw-nonce": "n1" },
      timeoutMs: extra.timeoutMs ?? 5_000,
      ...(extra.body === undefined ? {} : { body: extra.body }),
      ...(extra.signal ? { signal: extra.signal } : {}),
    });

  it("sends the body and headers as given and reads status, headers and JSON", async () => {
    const result = await call("/json", { body: '{"text":"héllo"}' });
    expect(result).toMatchObject({ status: 429, json: { error: { code: "PROXY_RATE_LIMITED" } } });
    expect(result.headers.get("Retry-After")).toBe("7");
    expect(result.headers.get("x-missing")).toBeNull();
    expect(state.seen.at(-1)).toMatchObject({
      method: "POST",
      body: '{"text":"héllo"}',
      headers: { "x-claw-nonce": "n1", "content-length": String(Buffer.byteLength('{"text":"héllo"}')) },
    });
  });

  it("stops reading an answer past 64 KiB and keeps only its status", async () => {
    expect(await call("/big")).toMatchObject({ status: 200, json: null });
    // The connection was dropped: the server could not write the rest.
    expect(state.written).toBeLessThan(1_000);
  });

  it("does not read an answer whose Content-Length is past 64 KiB", async () => {
    expect(await call("/declared-big")).toMatchObject({ status: 200, json: null });
  });

  it("follows no redirect", async () => {
    expect(await call("/redirect")).toMatchObject({ status: 307, json: null });
  });

  it("tells a timeout, a stop and a refused connection apart", async () => {
    await expect(call("/silent", { timeoutMs: 100 })).rejects.toMatchObject({ kind: "timeout" });
    const stopping = new AbortController();
    setTimeout(() => stopping.abort(), 50);
    await expect(call("/silent", { signal: stopping.signal })).rejects.toMatchObject({ kind: "aborted" });
    const refused = callHttp({
      http: nodeHttpTransport,
      url: "http://127.0.0.1:9/x",
      method: "GET",
      headers: {},
      timeoutMs: 5_000,
    });
    await expect(refused).rejects.toBeInstanceOf(HttpCallError);
    await expect(refused).rejects.toMatchObject({ kind: "network", message: "network error: ECONNREFUSED" });
  });

  it("keeps the connection for the next call", async () => {
    await call("/json", { body: "{}" });
    await call("/json", { body: "{}" });
    const [first, second] = state.seen.slice(-2);
    expect(second?.port).toBe(first?.port);
  });

  it("opens a new connection where the server closed a kept one while it was idle", async () => {
    const idle = createServer((request, response) => {
      request.resume();
      request.on("end", () => response.writeHead(200, { "content-type": "application/json" }).end("{}"));
    });
    idle.keepAliveTimeout = 150;
    await new Promise<void>((resolve) => idle.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(idle.address() as AddressInfo).port}/`;
    const burst = () =>
      Promise.all(
        Array.from({ length: 8 }, () =>
          callHttp({ http: nodeHttpTransport, url, method: "POST", headers: {}, body: "{}", timeoutMs: 5_000 }),
        ),
      );
    try {
      await burst();
      await new Promise((resolve) => setTimeout(resolve, 400));
      expect((await burst()).map((result) => result.status)).toEqual(Array(8).fill(200));
    } finally {
      idle.closeAllConnections();
      await new Promise((resolve) => idle.close(resolve));
    }
  });
});
