import { errorEnvelopeSchema } from "@clawdentity/protocol";
import type { z } from "zod";
import { CliError, EXIT_FATAL, EXIT_USER_ERROR } from "../cli-error";

export const API_TIMEOUT_MS = 30_000;

export interface CallApiInput<T> {
  fetch: typeof fetch;
  /** Named in errors: "registry", "proxy", "connector". */
  service: string;
  method: string;
  url: URL;
  headers?: Record<string, string>;
  body?: string;
  /** Parses the success body; `null` for answers without one (204). */
  schema: z.ZodType<T> | null;
}

function toCause(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error));
}

function parseJsonText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** An error answer: the API's own envelope (code, message, requestId) when it sent one. */
function toHttpError(service: string, response: Response, text: string): CliError {
  const exitCode = response.status >= 500 ? EXIT_FATAL : EXIT_USER_ERROR;
  const envelope = errorEnvelopeSchema.safeParse(parseJsonText(text));
  if (envelope.success) {
    const { code, message, requestId, details } = envelope.data.error;
    return new CliError({ code, message, requestId, details, httpStatus: response.status, exitCode });
  }
  return new CliError({
    code: "CLI_HTTP_ERROR",
    message: `${service} answered HTTP ${response.status}${text ? `: ${text.slice(0, 200)}` : ""}`,
    requestId: response.headers.get("x-request-id") ?? undefined,
    httpStatus: response.status,
    exitCode,
  });
}

/** One HTTP call to a Clawdentity API; answers are parsed with the protocol's own schemas. */
export async function callApi<T>(input: CallApiInput<T>): Promise<T> {
  const { service, method, url } = input;
  let response: Response;
  try {
    response = await input.fetch(url, {
      method,
      headers: { ...(input.body === undefined ? {} : { "content-type": "application/json" }), ...input.headers },
      ...(input.body === undefined ? {} : { body: input.body }),
      signal: AbortSignal.timeout(API_TIMEOUT_MS),
    });
  } catch (error) {
    throw new CliError({
      code: "CLI_UNREACHABLE",
      message: `cannot reach the ${service} at ${url.origin}: ${toCause(error)}`,
    });
  }
  const text = await response.text();
  if (!response.ok) throw toHttpError(service, response, text);
  if (input.schema === null) return undefined as T;
  const parsed = input.schema.safeParse(parseJsonText(text));
  if (!parsed.success) {
    throw new CliError({
      code: "CLI_UNEXPECTED_RESPONSE",
      message: `${service} ${method} ${url.pathname} answered a body the protocol does not allow: ${parsed.error.issues[0]?.path.join(".")} ${parsed.error.issues[0]?.message}`,
      requestId: response.headers.get("x-request-id") ?? undefined,
      exitCode: EXIT_FATAL,
    });
  }
  return parsed.data;
}

/** Joins an API path (with optional query) to a base URL, keeping any path prefix the base has. */
export function toApiUrl(base: string, path: string, query: Record<string, string | number | undefined> = {}): URL {
  const url = new URL(base);
  url.pathname = `${url.pathname.replace(/\/+$/, "")}${path}`;
  url.search = "";
  url.hash = "";
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined) url.searchParams.set(key, String(value));
  }
  return url;
}

export interface ApiCallOptions {
  /** Serialized as JSON. */
  body?: unknown;
  headers?: Record<string, string>;
  query?: Record<string, string | number | undefined>;
}

/** A `call(method, path, schema, options)` bound to one service and base URL. */
export function createApiCaller(options: {
  fetch: typeof fetch;
  service: string;
  baseUrl: string;
  headers?: Record<string, string>;
}) {
  return <T>(method: string, path: string, schema: z.ZodType<T> | null, extra: ApiCallOptions = {}) =>
    callApi({
      fetch: options.fetch,
      service: options.service,
      method,
      url: toApiUrl(options.baseUrl, path, extra.query),
      headers: { ...options.headers, ...extra.headers },
      schema,
      ...(extra.body === undefined ? {} : { body: JSON.stringify(extra.body) }),
    });
}
