import type { ErrorCode } from "@clawdentity/protocol";
import type { Context } from "hono";
import type { z } from "zod";
import { AppError } from "./app-error";

export interface ReadBodyOptions {
  maxBytes: number;
  tooLargeCode: ErrorCode;
}

/** A `Content-Length` as HTTP writes it: digits only. */
const DECLARED_LENGTH = /^\d{1,15}$/;

/**
 * Reads the raw body once, refusing it past `maxBytes`: by its declared length before reading
 * anything, and while streaming, so a body without `Content-Length` (chunked) is never buffered
 * beyond the limit. A body that declares its length within the limit is read in one call (the
 * HTTP layer delivers no more than declared), and its size checked again once read.
 */
export async function readRawBody(c: Context, options: ReadBodyOptions): Promise<Uint8Array<ArrayBuffer>> {
  const tooLarge = () => new AppError(options.tooLargeCode, 413, `body exceeds ${options.maxBytes} bytes`);
  const header = c.req.header("content-length");
  const declared = header !== undefined && DECLARED_LENGTH.test(header) ? Number(header) : null;
  if (declared !== null && declared > options.maxBytes) throw tooLarge();
  if (declared !== null) {
    // Read without touching `body` first: on Node (@hono/node-server) that builds a full web
    // Request around the socket, while `arrayBuffer()` alone reads the message directly.
    const bytes = new Uint8Array(await c.req.raw.arrayBuffer());
    if (bytes.byteLength > options.maxBytes) throw tooLarge();
    return bytes;
  }
  const stream = c.req.raw.body;
  if (!stream) return new Uint8Array(0);
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let length = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    length += value.byteLength;
    if (length > options.maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge();
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(length);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

/** Parses bytes as JSON and validates them; bad JSON and bad shapes become 400s in the error handler. */
export function parseJsonBytes<S extends z.ZodType>(bytes: Uint8Array, schema: S): z.infer<S> {
  const text = new TextDecoder().decode(bytes);
  return schema.parse(JSON.parse(text.length === 0 ? "null" : text));
}

export async function parseJsonBody<S extends z.ZodType>(c: Context, schema: S, options: ReadBodyOptions) {
  return parseJsonBytes(await readRawBody(c, options), schema);
}
