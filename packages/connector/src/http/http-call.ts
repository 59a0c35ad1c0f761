import { findJsonStructureProblem } from "@clawdentity/protocol";

export type FetchLike = (input: string | URL, init?: RequestInit) => Promise<Response>;

/** What a call asks of the wire. */
export interface HttpRequest {
  url: string;
  method: "GET" | "POST";
  headers: Record<string, string>;
  body?: string;
  signal: AbortSignal;
}

/** The answer as read: its text is null when it ran past `MAX_READ_BYTES` (the rest is not read). */
export interface HttpAnswer {
  status: number;
  headers: { get(name: string): string | null };
  text: string | null;
}

/** Sends one request, follows no redirect, and rejects only when no answer came. */
export type HttpTransport = (request: HttpRequest) => Promise<HttpAnswer>;

export interface HttpResult {
  status: number;
  headers: HttpAnswer["headers"];
  /** Parsed JSON body; null when it is empty, not JSON, over 64 KiB or past the structure limits. */
  json: unknown;
}

export type HttpCallErrorKind = "timeout" | "network" | "aborted";

/** A call that produced no HTTP answer; `aborted` means we stopped it ourselves (shutdown). */
export class HttpCallError extends Error {
  override readonly name = "HttpCallError";
  constructor(
    readonly kind: HttpCallErrorKind,
    message: string,
  ) {
    super(message);
  }
}

export interface HttpCallInput {
  http: HttpTransport;
  url: string;
  method: "GET" | "POST";
  headers: Record<string, string>;
  body?: string;
  timeoutMs: number;
  /** Aborted when the connector stops. */
  signal?: AbortSignal;
}

/** Answers (error envelopes, message status) are small; a longer one is not read on. */
export const MAX_READ_BYTES = 64 * 1024;

/** One HTTP request with a timeout; it never throws on an HTTP status, only when no answer came. */
export async function callHttp(input: HttpCallInput): Promise<HttpResult> {
  // One controller and one timer a call: cheaper per message than `AbortSignal.any` over a
  // `AbortSignal.timeout`, and both are gone once the answer is read.
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, input.timeoutMs);
  const stop = () => controller.abort();
  input.signal?.addEventListener("abort", stop, { once: true });
  if (input.signal?.aborted) stop();
  try {
    const answer = await input.http({
      url: input.url,
      method: input.method,
      headers: input.headers,
      ...(input.body === undefined ? {} : { body: input.body }),
      signal: controller.signal,
    });
    return { status: answer.status, headers: answer.headers, json: parseJsonOrNull(answer.text) };
  } catch (error) {
    if (input.signal?.aborted) throw new HttpCallError("aborted", "request aborted: connector stopping");
    if (timedOut) throw new HttpCallError("timeout", `no answer within ${input.timeoutMs} ms`);
    const failure = error as { code?: string; message?: string; cause?: { code?: string; message?: string } };
    const reason = failure.code ?? failure.cause?.code ?? failure.cause?.message ?? failure.message;
    throw new HttpCallError("network", `network error: ${reason}`);
  } finally {
    clearTimeout(timer);
    input.signal?.removeEventListener("abort", stop);
  }
}

/** The transport over a `fetch` (an embedder's or a test's own); the connector's default is Node's HTTP. */
export function fetchTransport(fetch: FetchLike): HttpTransport {
  return async (request) => {
    const response = await fetch(request.url, {
      method: request.method,
      headers: request.headers,
      ...(request.body === undefined ? {} : { body: request.body }),
      signal: request.signal,
      redirect: "manual",
    });
    return { status: response.status, headers: response.headers, text: await readAnswerText(response) };
  };
}

/** At most `MAX_READ_BYTES` of the answer; null (the rest left unread, the stream cancelled) past it. */
async function readAnswerText(response: Response): Promise<string | null> {
  const body = response.body;
  if (!body) return "";
  const declared = response.headers.get("content-length");
  if (Number(declared ?? "0") > MAX_READ_BYTES) {
    await body.cancel().catch(() => undefined);
    return null;
  }
  // A declared length within the limit is held to by the HTTP client: read it in one go.
  if (declared !== null) return Buffer.from(await response.arrayBuffer()).toString();
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let length = 0;
  for (let next = await reader.read(); !next.done; next = await reader.read()) {
    length += next.value.byteLength;
    if (length > MAX_READ_BYTES) {
      await reader.cancel().catch(() => undefined);
      return null;
    }
    chunks.push(next.value);
  }
  return Buffer.concat(chunks).toString();
}

/** Measured before it is parsed, like every text the connector takes from outside. */
function parseJsonOrNull(text: string | null): unknown {
  if (!text || findJsonStructureProblem(text)) return null;
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

/** `Retry-After` as milliseconds from now: delta-seconds or an HTTP date; null when absent or unreadable. */
export function parseRetryAfterMs(value: string | null, nowMs: number): number | null {
  if (!value) return null;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? null : Math.max(0, date - nowMs);
}

/** `code` of a PROTOCOL.md §7 error envelope, when the body is one. */
export function toErrorCode(json: unknown): string | undefined {
  const error = (json as { error?: { code?: unknown } } | null)?.error;
  return typeof error?.code === "string" ? error.code : undefined;
}
