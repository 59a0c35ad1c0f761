import type { ConnectorDeadLetter, DeadLetterDirection } from "@clawdentity/protocol";
import { AppError } from "@clawdentity/sdk/http";
import type { ConnectorContext } from "../context";
import type { DeadLetterFilter } from "../storage";
import { toConnectorDeadLetter, toDeadLetterFilter } from "./dead-letter-view";

/** `GET /v1/dead-letters` without a `limit`. */
export const DEFAULT_DEAD_LETTER_LIMIT = 100;

export interface DeadLetterQuery {
  direction?: DeadLetterDirection;
  /** ISO timestamp or a duration such as `15m`, `6h`, `7d`. */
  olderThan?: string;
  peerAgentDid?: string;
  limit?: number;
}

export interface DeadLetterServiceDeps extends ConnectorContext {
  onOutboundRetried: () => void;
  onInboundRetried: () => void;
}

export type DeadLetterService = ReturnType<typeof createDeadLetterService>;

/** List, retry and purge dead letters of both directions (PROTOCOL.md §8.1). */
export function createDeadLetterService(deps: DeadLetterServiceDeps) {
  const { storage, clock, tuning, logger } = deps;
  const toFilter = (query: DeadLetterQuery): DeadLetterFilter => toDeadLetterFilter(query, clock.nowMs());

  return {
    list(query: DeadLetterQuery): ConnectorDeadLetter[] {
      return storage.deadLetters
        .list({ ...toFilter(query), limit: query.limit ?? DEFAULT_DEAD_LETTER_LIMIT })
        .map(toConnectorDeadLetter);
    },

    /**
     * Puts a dead letter back in its queue with a fresh attempt budget and TTL. An outbound message
     * the relay took (and dead-lettered, or never reported an outcome of) cannot be resent under the
     * same messageId (the proxy accepts a messageId once), so that is a 409: send it as a new message.
     */
    retry(messageId: string, direction?: DeadLetterDirection) {
      const now = clock.nowMs();
      const retried: Array<{ direction: DeadLetterDirection; messageId: string }> = [];
      let remoteOnly = false;
      if (direction !== "inbound") {
        const source = storage.deadLetters.outboundSource(messageId);
        if (source === "remote") remoteOnly = true;
        else if (source !== undefined && storage.deadLetters.retryOutbound(messageId, now, tuning.outboxTtlMs)) {
          retried.push({ direction: "outbound", messageId });
        }
      }
      if (direction !== "outbound" && storage.deadLetters.retryInbound(messageId, now, tuning.webhookTtlMs)) {
        retried.push({ direction: "inbound", messageId });
      }
      if (retried.length === 0 && remoteOnly) {
        throw new AppError(
          "CONNECTOR_DEAD_LETTER_NOT_RETRYABLE",
          409,
          "the relay took this message (it dead-lettered it, or its outcome never came); send it again as a new message",
        );
      }
      if (retried.length === 0) {
        throw new AppError("CONNECTOR_DEAD_LETTER_NOT_FOUND", 404, `no dead letter ${messageId}`);
      }
      logger.info("dead letter retried", { messageId, directions: retried.map((entry) => entry.direction) });
      if (retried.some((entry) => entry.direction === "outbound")) deps.onOutboundRetried();
      if (retried.some((entry) => entry.direction === "inbound")) deps.onInboundRetried();
      return { retried };
    },

    purge(query: DeadLetterQuery): { purged: number } {
      const purged = storage.deadLetters.purge(toFilter(query), clock.nowMs());
      logger.info("dead letters purged", { purged, ...query });
      return { purged };
    },
  };
}
