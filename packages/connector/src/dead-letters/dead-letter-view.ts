import { type ConnectorDeadLetter, resolveOlderThan } from "@clawdentity/protocol";
import { toIsoTimestamp } from "@clawdentity/sdk";
import type { DeadLetterFilter, DeadLetterRow } from "../storage";
import type { DeadLetterQuery } from "./dead-letter-service";

/** A query of the local API (`olderThan` a duration or an ISO time) as a filter of the store. */
export function toDeadLetterFilter(query: DeadLetterQuery, nowMs: number): DeadLetterFilter {
  return {
    ...(query.direction ? { direction: query.direction } : {}),
    ...(query.peerAgentDid ? { peerAgentDid: query.peerAgentDid } : {}),
    ...(query.olderThan ? { before: resolveOlderThan(query.olderThan, nowMs) } : {}),
  };
}

/** A stored dead letter as PROTOCOL.md §8.1 shows it. */
export function toConnectorDeadLetter(row: DeadLetterRow): ConnectorDeadLetter {
  return {
    direction: row.direction,
    messageId: row.messageId,
    correlationId: row.correlationId,
    peerAgentDid: row.peerAgentDid,
    priority: row.priority,
    reason: row.reason,
    source: row.source,
    attempts: row.attempts,
    ...(row.lastError ? { lastError: row.lastError } : {}),
    deadLetteredAt: toIsoTimestamp(row.deadLetteredAt),
  };
}
