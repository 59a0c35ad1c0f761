import { parseJsonBytes, readRawBody } from "@clawdentity/sdk/http";
import type { Context } from "hono";
import type { z } from "zod";

/** Every registry body is small; anything larger is refused before parsing. */
export const REGISTRY_MAX_BODY_BYTES = 16 * 1024;

/** Reads and validates a JSON body; an empty body counts as `{}` for routes whose fields are all optional. */
export async function readJson<S extends z.ZodType>(
  c: Context,
  schema: S,
  options: { emptyAsObject?: boolean } = {},
): Promise<z.infer<S>> {
  const bytes = await readRawBody(c, { maxBytes: REGISTRY_MAX_BODY_BYTES, tooLargeCode: "REGISTRY_PAYLOAD_TOO_LARGE" });
  if (bytes.byteLength === 0 && options.emptyAsObject) return schema.parse({});
  return parseJsonBytes(bytes, schema);
}
