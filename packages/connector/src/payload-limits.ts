import {
  findJsonStructureProblem,
  JSON_STRUCTURE_LIMITS,
  type JsonStructureLimits,
  type JsonStructureProblem,
} from "@clawdentity/protocol";
import { AppError } from "@clawdentity/sdk/http";

/**
 * Limits for a document that carries one payload among `memberCount` members (a request body,
 * a frame): the payload sits one level deeper and every other member adds a value. A document
 * within them is safe to parse; the payload's own text is then measured exactly.
 */
export function toEnvelopeLimits(memberCount: number): JsonStructureLimits {
  return {
    maxDepth: JSON_STRUCTURE_LIMITS.maxDepth + 1,
    maxValues: JSON_STRUCTURE_LIMITS.maxValues + memberCount,
  };
}

export type PayloadText = { text: string; problem: null } | { text: null; problem: JsonStructureProblem };

/**
 * A payload as it is stored and relayed: its JSON text, within the limits the proxy applies.
 * A value nested too deep for the (recursive) serializer is "depth" as well.
 */
export function toPayloadText(payload: unknown): PayloadText {
  let text: string;
  try {
    text = JSON.stringify(payload) ?? "null";
  } catch (error) {
    if (error instanceof RangeError) return { text: null, problem: "depth" };
    throw error;
  }
  const problem = findJsonStructureProblem(text);
  return problem ? { text: null, problem } : { text, problem: null };
}

/** How a text is past `limits`, for error messages and logs: "nests deeper than 64 levels". */
export function describeStructureProblem(problem: JsonStructureProblem, limits: JsonStructureLimits): string {
  return problem === "depth" ? `nests deeper than ${limits.maxDepth} levels` : `has over ${limits.maxValues} values`;
}

/** The local API's answer to a payload past `JSON_STRUCTURE_LIMITS` (details as the proxy gives them). */
export function createPayloadTooComplexError(problem: JsonStructureProblem): AppError {
  const details = { limit: problem, ...JSON_STRUCTURE_LIMITS };
  const message = `the payload ${describeStructureProblem(problem, JSON_STRUCTURE_LIMITS)}`;
  return new AppError("CONNECTOR_PAYLOAD_TOO_COMPLEX", 400, message, details);
}
