import { describe, expect, it } from "vitest";
import { callHttp, type FetchLike } from "./http-call";

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
  callHttp({ fetch, url: "http://127.0.0.1:9/x", method: "GET", headers: {}, timeoutMs: 5_000 });

describe("callHttp", () => {
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
