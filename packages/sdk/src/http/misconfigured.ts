import { CLAW_HEADERS, type ErrorCode, toErrorEnvelope } from "@clawdentity/protocol";
import { createUlid } from "../ids";

/**
 * What a Worker whose configuration does not parse answers every request: 503 with a stable
 * code. The problems (variable names, never their values) go to the Worker's log for the
 * operator; a caller learns only that the service is misconfigured.
 */
export function toMisconfiguredResponse(error: unknown, code: ErrorCode): Response {
  const requestId = createUlid();
  console.error("refusing requests: invalid configuration", {
    requestId,
    problem: error instanceof Error ? error.message : String(error),
  });
  const body = toErrorEnvelope({ code, message: "the service is misconfigured; its operator must fix it", requestId });
  return Response.json(body, { status: 503, headers: { [CLAW_HEADERS.requestId]: requestId } });
}
