import { createHash } from "node:crypto";
import {
  DEFAULT_PRIORITY,
  type OutboundRequest,
  type OutboundStatusResponse,
  RELAY_MAX_PAYLOAD_BYTES,
} from "@clawdentity/protocol";
import { createUlid, toIsoTimestamp } from "@clawdentity/sdk";
import { AppError } from "@clawdentity/sdk/http";
import type { ConnectorContext } from "../context";
import { createPayloadTooComplexError, toPayloadText } from "../payload-limits";
import { type ClaimedStart, createGroupCommit } from "../storage";

export interface SubmitOutboundInput {
  request: OutboundRequest;
  idempotencyKey?: string;
  /** A W3C traceparent to carry along unchanged. */
  traceparent?: string;
}

export interface SubmitOutboundResult {
  messageId: string;
  correlationId: string;
  /** True when an earlier request with the same Idempotency-Key already queued it. */
  replayed: boolean;
}

export interface OutboundServiceDeps extends ConnectorContext {
  /** The outbox worker's `claimWithin`: a new row's lease commits with it and it is sent at once. */
  claimQueued: () => ClaimedStart;
}

export type OutboundService = ReturnType<typeof createOutboundService>;

/** Key order must not make two equal requests look different under one Idempotency-Key. */
function toStableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(toStableJson).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${toStableJson(item)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

export function createOutboundService(deps: OutboundServiceDeps) {
  const { storage, clock, tuning, metrics, logger } = deps;
  const commitSoon = createGroupCommit(storage, { claimWithin: deps.claimQueued });

  return {
    /**
     * Writes the outbox row (and the idempotency key) atomically, durable before anyone is
     * answered; submits that arrive together share the commit (group commit).
     */
    async submit(input: SubmitOutboundInput): Promise<SubmitOutboundResult> {
      const { request } = input;
      // Measured before anything below serializes the request again (the idempotency hash).
      const { text: payload, problem } = toPayloadText(request.payload);
      if (problem) throw createPayloadTooComplexError(problem);
      if (Buffer.byteLength(payload) > RELAY_MAX_PAYLOAD_BYTES) {
        throw new AppError("CONNECTOR_PAYLOAD_TOO_LARGE", 413, `payload exceeds ${RELAY_MAX_PAYLOAD_BYTES} bytes`);
      }
      // Only a request under an Idempotency-Key is compared with an earlier one.
      const requestHash = input.idempotencyKey
        ? createHash("sha256").update(toStableJson(request)).digest("base64url")
        : "";
      const result = await commitSoon((): SubmitOutboundResult => {
        const now = clock.nowMs();
        if (input.idempotencyKey) {
          const existing = storage.idempotency.find(input.idempotencyKey);
          if (existing) {
            if (existing.requestHash !== requestHash) {
              throw new AppError(
                "CONNECTOR_IDEMPOTENCY_CONFLICT",
                409,
                "Idempotency-Key was already used with a different request",
                { messageId: existing.messageId },
              );
            }
            return { messageId: existing.messageId, correlationId: existing.correlationId, replayed: true };
          }
        }
        const messageId = createUlid(now);
        const correlationId = request.correlationId ?? messageId;
        storage.outbox.insert(
          {
            messageId,
            correlationId,
            toAgentDid: request.toAgentDid,
            payload,
            conversationId: request.conversationId ?? null,
            replyTo: request.replyTo ?? null,
            priority: request.priority ?? DEFAULT_PRIORITY,
            traceparent: input.traceparent ?? null,
          },
          { now, ttlMs: tuning.outboxTtlMs },
        );
        if (input.idempotencyKey) {
          storage.idempotency.insert({ key: input.idempotencyKey, messageId, correlationId, requestHash, now });
        }
        return { messageId, correlationId, replayed: false };
      });
      if (!result.replayed) {
        metrics.outboundAccepted.inc();
        logger.debug("outbound message queued", { messageId: result.messageId, correlationId: result.correlationId });
      }
      return result;
    },

    /** Local state of a sent message plus the receipts the relay sent back. */
    getStatus(messageId: string): OutboundStatusResponse | undefined {
      const row = storage.outbox.get(messageId);
      if (!row) return undefined;
      return {
        messageId: row.messageId,
        correlationId: row.correlationId,
        toAgentDid: row.toAgentDid,
        priority: row.priority,
        status: row.status,
        attempts: row.attempts,
        createdAt: toIsoTimestamp(row.createdAt),
        ...(row.relayedAt ? { relayedAt: toIsoTimestamp(row.relayedAt) } : {}),
        ...(row.lastError ? { lastError: row.lastError } : {}),
        ...(row.deadLetterReason ? { deadLetterReason: row.deadLetterReason } : {}),
        receipts: storage.outbox.listReceipts(messageId).map((receipt) => ({
          status: receipt.status,
          ...(receipt.reason ? { reason: receipt.reason } : {}),
          at: toIsoTimestamp(receipt.at),
        })),
      };
    },
  };
}
