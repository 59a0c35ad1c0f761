import { eventEnvelopeSchema, type QueueEvent, queueEventSchema } from "@clawdentity/protocol";
import type { z } from "zod";
import type { ParseResult } from "./message-consumer";
import { hasQueueConsumer } from "./queue-consumers";

const describe = (error: z.ZodError) =>
  error.issues.map((issue) => `${issue.path.join(".") || "body"}: ${issue.message}`).join("; ");

/**
 * A PROTOCOL.md §6.2 envelope of a type this proxy consumes, parsed once with its type's schema.
 * Only a message that fails is read again as a bare envelope, to tell an `unknown_type` (a valid
 * envelope no consumer takes) from a `malformed` one.
 */
export function parseQueueEvent(body: unknown): ParseResult<QueueEvent> {
  const event = queueEventSchema.safeParse(body);
  if (event.success) return { ok: true, value: event.data };
  const envelope = eventEnvelopeSchema.safeParse(body);
  if (!envelope.success) return { ok: false, kind: "malformed", reason: describe(envelope.error) };
  if (!hasQueueConsumer(envelope.data.type)) {
    return { ok: false, kind: "unknown_type", reason: `no consumer for ${envelope.data.type}` };
  }
  return { ok: false, kind: "malformed", reason: describe(event.error) };
}
