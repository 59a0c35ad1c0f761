import { CLAW_HEADERS, findJsonStructureProblem, JSON_STRUCTURE_LIMITS } from "@clawdentity/protocol";
import { AppError } from "@clawdentity/sdk/http";
import type { EnqueueResult } from "../session";

/**
 * The payload must be UTF-8 JSON within the structural limits (measured before it is parsed);
 * it is stored and delivered as the exact text that was signed.
 */
export function toPayloadText(bytes: Uint8Array): string {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw new AppError("PROXY_BAD_REQUEST", 400, "the payload must be a UTF-8 JSON document");
  }
  const problem = findJsonStructureProblem(text);
  if (problem) {
    const { maxDepth, maxValues } = JSON_STRUCTURE_LIMITS;
    throw new AppError(
      "PROXY_PAYLOAD_TOO_COMPLEX",
      400,
      problem === "depth"
        ? `the payload nests deeper than ${maxDepth} levels`
        : `the payload has over ${maxValues} values`,
      { limit: problem, maxDepth, maxValues },
    );
  }
  try {
    JSON.parse(text);
  } catch {
    throw new AppError("PROXY_BAD_REQUEST", 400, "the payload must be a UTF-8 JSON document");
  }
  return text;
}

export function toEnqueueError(result: Extract<EnqueueResult, { ok: false }>): AppError {
  switch (result.refusal) {
    case "recipient_not_found":
      return new AppError("PROXY_RECIPIENT_NOT_FOUND", 404, "no agent with that DID has connected to this proxy");
    case "recipient_revoked":
      return new AppError("PROXY_RECIPIENT_REVOKED", 403, "the recipient agent is revoked");
    case "sender_not_trusted":
      return new AppError("PROXY_SENDER_NOT_TRUSTED", 403, "the recipient has not paired with the sender");
    case "queue_full":
      return new AppError("PROXY_QUEUE_FULL", 507, "the recipient's queue is full", { scope: result.detail });
    case "rate_limited":
      return new AppError(
        "PROXY_RATE_LIMITED",
        429,
        "the recipient's limit on this sender is reached",
        { scope: "pair" },
        { [CLAW_HEADERS.retryAfter]: String(result.retryAfterSeconds) },
      );
  }
}
