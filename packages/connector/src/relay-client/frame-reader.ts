import {
  deliverBatchFrameSchema,
  deliverBatchItemSchema,
  deliverFrameSchema,
  FRAME_BATCH_LIMITS,
  findJsonStructureProblem,
  JSON_STRUCTURE_LIMITS,
  parseRelayFrame,
  RELAY_MAX_PAYLOAD_BYTES,
  type RelayFrame,
  ulidSchema,
} from "@clawdentity/protocol";
import { toErrorMessage } from "../logger";
import { describeStructureProblem, toEnvelopeLimits } from "../payload-limits";

/**
 * The largest frame read. A deliver frame carries at most `RELAY_MAX_PAYLOAD_BYTES` of payload,
 * which the relay parses and serializes again: a number may grow (`1e20` becomes 21 digits), by
 * about 17 bytes for each of at most `JSON_STRUCTURE_LIMITS.maxValues` values, so an accepted
 * message stays near 600 KB.
 */
export const MAX_FRAME_BYTES = RELAY_MAX_PAYLOAD_BYTES * 4;

/**
 * What the socket buffers at most; a larger message closes the connection (1009). Between the two
 * bounds a frame is still seen, so it can be refused instead of costing the connection.
 */
export const MAX_SOCKET_MESSAGE_BYTES = MAX_FRAME_BYTES * 4;

/** A deliver frame is the largest: its payload one level deeper, each other field one value more. */
const FRAME_LIMITS = toEnvelopeLimits(Object.keys(deliverFrameSchema.shape).length);

/**
 * A `deliver_batch`: its payloads add up to at most `FRAME_BATCH_LIMITS.maxPayloadChars`, fewer
 * values than one payload may have, each two levels deeper (in the list, in its entry), and every
 * entry's other members add a value each.
 */
const BATCH_LIMITS = {
  maxDepth: JSON_STRUCTURE_LIMITS.maxDepth + 3,
  maxValues:
    JSON_STRUCTURE_LIMITS.maxValues +
    FRAME_BATCH_LIMITS.maxMessages * (Object.keys(deliverBatchItemSchema.shape).length + 1) +
    Object.keys(deliverBatchFrameSchema.shape).length,
};

/** How much of an unread frame is searched for its `type` and `id`. */
const HEAD_CHARS = 4096;

export type InvalidFrameReason = "malformed" | "too_large" | "too_complex";

export type FrameReading =
  | { ok: true; frame: RelayFrame }
  | {
      ok: false;
      reason: InvalidFrameReason;
      error: string;
      /** Set when the frame is a deliver frame whose id could be read without parsing it. */
      deliverId?: string;
    };

/**
 * The flat members that open a frame not yet parsed (the relay writes `v`, `type`, `id` and `ts`
 * before the payload); undefined when one is given twice or the text is no object.
 */
function readHeadMembers(head: string): Map<string, string> | undefined {
  const open = /^\s*\{/.exec(head);
  if (!open) return undefined;
  const member = /\s*"(\w{1,32})"\s*:\s*("[^"\\]{0,256}"|-?\d{1,16})\s*,/y;
  member.lastIndex = open[0].length;
  const members = new Map<string, string>();
  for (let match = member.exec(head); match; match = member.exec(head)) {
    const [, key = "", value = ""] = match;
    if (members.has(key)) return undefined;
    members.set(key, value);
  }
  return members;
}

/** The `id` of a deliver frame that is not parsed, when its opening members say `type: "deliver"` and give a ULID. */
function readDeliverId(head: string): string | undefined {
  const members = readHeadMembers(head);
  if (members?.get("type") !== '"deliver"') return undefined;
  const id = members.get("id")?.slice(1, -1);
  return ulidSchema.safeParse(id).success ? id : undefined;
}

function toUnread(head: string, reason: InvalidFrameReason, error: string): FrameReading {
  const deliverId = readDeliverId(head);
  return { ok: false, reason, error, ...(deliverId ? { deliverId } : {}) };
}

/**
 * Reads one text frame, bounded before anything parses it: its size, then its structure
 * (linear, no recursion), then `JSON.parse` and the frame schema.
 */
export function readRelayFrame(data: Buffer): FrameReading {
  if (data.byteLength > MAX_FRAME_BYTES) {
    const head = data.subarray(0, HEAD_CHARS).toString();
    return toUnread(head, "too_large", `frame of ${data.byteLength} bytes is over ${MAX_FRAME_BYTES}`);
  }
  const text = data.toString();
  const isBatch = readHeadMembers(text.slice(0, HEAD_CHARS))?.get("type") === '"deliver_batch"';
  const limits = isBatch ? BATCH_LIMITS : FRAME_LIMITS;
  const problem = findJsonStructureProblem(text, limits);
  if (problem) {
    const error = `frame ${describeStructureProblem(problem, limits)} (payload limits ${JSON_STRUCTURE_LIMITS.maxDepth} levels, ${JSON_STRUCTURE_LIMITS.maxValues} values)`;
    return toUnread(text.slice(0, HEAD_CHARS), "too_complex", error);
  }
  try {
    return { ok: true, frame: parseRelayFrame(text) };
  } catch (error) {
    return { ok: false, reason: "malformed", error: toErrorMessage(error) };
  }
}
