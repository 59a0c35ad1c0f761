import { findJsonStructureProblem } from "@clawdentity/protocol";
import { AppError, readRawBody } from "@clawdentity/sdk/http";
import type { Context } from "hono";
import type { z } from "zod";
import { createPayloadTooComplexError, toEnvelopeLimits } from "../payload-limits";

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * Reads a JSON body that carries a payload, each step bounded before the next runs: the size
 * while streaming (413), strict UTF-8 and the structure of the text (400), and only then
 * `JSON.parse` (400 on bad JSON) and the schema.
 */
export async function readPayloadBody<S extends z.ZodObject>(
  c: Context,
  schema: S,
  options: { maxBytes: number },
): Promise<z.infer<S>> {
  const bytes = await readRawBody(c, { maxBytes: options.maxBytes, tooLargeCode: "CONNECTOR_PAYLOAD_TOO_LARGE" });
  let text: string;
  try {
    text = strictUtf8.decode(bytes);
  } catch {
    throw new AppError("CONNECTOR_BAD_REQUEST", 400, "body is not UTF-8");
  }
  const problem = findJsonStructureProblem(text, toEnvelopeLimits(Object.keys(schema.shape).length));
  if (problem) throw createPayloadTooComplexError(problem);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new AppError("CONNECTOR_BAD_REQUEST", 400, "body is not valid JSON");
  }
  return schema.parse(json);
}
