import type { ErrorCode } from "@clawdentity/protocol";
import type { Context } from "hono";
import type { z } from "zod";
import { AppError } from "./app-error";

export interface ReadBodyOptions {
  maxBytes: number;
  tooLargeCode: ErrorCode;
}

/** Reads the raw body once, refusing it past `maxBytes` (by header and by actual length). */
export async function readRawBody(c: Context, options: ReadBodyOptions): Promise<Uint8Array<ArrayBuffer>> {
  const declared = Number(c.req.header("content-length") ?? "0");
  if (declared > options.maxBytes) {
    throw new AppError(options.tooLargeCode, 413, `body exceeds ${options.maxBytes} bytes`);
  }
  const bytes = new Uint8Array(await c.req.arrayBuffer());
  if (bytes.byteLength > options.maxBytes) {
    throw new AppError(options.tooLargeCode, 413, `body exceeds ${options.maxBytes} bytes`);
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
