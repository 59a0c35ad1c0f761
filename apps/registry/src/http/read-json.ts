import { parseJsonBytes, readRawBody } from "@clawdentity/sdk/http";
import type { Context } from "hono";
import type { z } from "zod";

/** Every registry body is small; anything larger is refused before parsing. */
export const REGISTRY_MAX_BODY_BYTES = 16 * 1024;

export interface JsonBodyOptions {
  /** The route's fields are all optional: an empty body counts as `{}`. */
  emptyAsObject?: boolean;
}

/** Validates body bytes already read (a signed request's body is read before it is verified). */
export function toJsonBody<S extends z.ZodType>(
  bytes: Uint8Array,
  schema: S,
  options: JsonBodyOptions = {},
): z.infer<S> {
  if (bytes.byteLength === 0 && options.emptyAsObject) return schema.parse({});
  return parseJsonBytes(bytes, schema);
}

/** Reads and validates a JSON body. */
export async function readJson<S extends z.ZodType>(
  c: Context,
  schema: S,
  options: JsonBodyOptions = {},
): Promise<z.infer<S>> {
  const bytes = await readRawBody(c, { maxBytes: REGISTRY_MAX_BODY_BYTES, tooLargeCode: "REGISTRY_PAYLOAD_TOO_LARGE" });
  return toJsonBody(bytes, schema, options);
}
