import type { RelayBatchRefusal } from "@clawdentity/protocol";
import { type HttpResult, toErrorCode } from "../http";
import type { ProxyAnswer } from "./proxy-client";
import type { RemoteOutcome } from "./remote-outcome";

/** How the single route's answer is classified; a batch item is judged the same way. */
export type ProxyClassifier = (result: HttpResult & { jti?: string }, nowMs: number) => RemoteOutcome;

/** What a batch answer means: one outcome per item, the whole request's outcome, or no batch route. */
export type BatchOutcome =
  | { kind: "items"; outcomes: RemoteOutcome[] }
  | { kind: "whole"; outcome: RemoteOutcome }
  | { kind: "missing_route" };

/** A proxy without the batch route (older than §4.3.1) answers its plain 404. */
const isMissingRoute = (answer: HttpResult) => {
  const code = toErrorCode(answer.json);
  return answer.status === 404 && (code === undefined || code === "PROXY_NOT_FOUND");
};

/** One refused item, classified as the single route's answer for it alone would be. */
function toItemOutcome(item: RelayBatchRefusal, jti: string, nowMs: number, classify: ProxyClassifier) {
  const headers = new Headers(
    item.retryAfterSeconds === undefined ? {} : { "retry-after": String(item.retryAfterSeconds) },
  );
  const error = {
    code: item.code,
    message: item.message,
    ...(item.details === undefined ? {} : { details: item.details }),
  };
  return classify({ status: item.httpStatus, headers, json: { error }, jti }, nowMs);
}

/**
 * Classifies the answer to a batch of `count` items (PROTOCOL.md §4.3.1, §4.5.1): `200` gives each
 * item its own outcome; any other answer (429, 5xx, a refused AIT) concerns every item alike; an
 * answer that does not list every item is transient (sent again, the proxy dedupes).
 */
export function toBatchOutcome(
  answer: ProxyAnswer,
  count: number,
  nowMs: number,
  classify: ProxyClassifier,
  parseResults: (json: unknown) => Array<{ outcome: "accepted" } | RelayBatchRefusal> | null,
): BatchOutcome {
  if (isMissingRoute(answer)) return { kind: "missing_route" };
  if (answer.status !== 200) return { kind: "whole", outcome: classify(answer, nowMs) };
  const results = parseResults(answer.json);
  if (!results || results.length !== count) {
    const error = "the proxy's batch answer does not list every item";
    return { kind: "whole", outcome: { kind: "transient", error, circuitFailure: false, retryAfterMs: null } };
  }
  return {
    kind: "items",
    outcomes: results.map((item) =>
      item.outcome === "accepted" ? { kind: "accepted" } : toItemOutcome(item, answer.jti, nowMs, classify),
    ),
  };
}
