import { eventEnvelopeSchema } from "@clawdentity/protocol";
import type { z } from "zod";
import type { ParseResult } from "./consume-each";

const describe = (error: z.ZodError) =>
  error.issues.map((issue) => `${issue.path.join(".") || "body"}: ${issue.message}`).join("; ");

/**
 * A PROTOCOL.md §6.2 envelope of the expected `type`, parsed with its schema. An envelope of another type
 * is `unknown_type`; anything that is not a valid envelope of this type is `malformed`.
 */
export function parseEvent<S extends z.ZodType>(body: unknown, type: string, schema: S): ParseResult<z.infer<S>> {
  const envelope = eventEnvelopeSchema.safeParse(body);
  if (!envelope.success) return { ok: false, kind: "malformed", reason: describe(envelope.error) };
  if (envelope.data.type !== type) {
    return { ok: false, kind: "unknown_type", reason: `no consumer for ${envelope.data.type} on this queue` };
  }
  const event = schema.safeParse(body);
  if (!event.success) return { ok: false, kind: "malformed", reason: describe(event.error) };
  return { ok: true, value: event.data };
}
