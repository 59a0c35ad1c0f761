import { z } from "zod";
import { agentDidSchema } from "./did";
import { isoTimestampSchema, ulidSchema } from "./primitives";
import { prioritySchema } from "./priority";
import { receiptReasonSchema, receiptStatusSchema } from "./receipts";
import { conversationIdSchema, correlationIdSchema } from "./relay-api";

export const CONNECTOR_PATHS = {
  outbound: "/v1/outbound",
  status: "/v1/status",
  metrics: "/metrics",
  /** Current p50/p99 of the connector's latency histograms, per hop (for `clawdentity trace`). */
  latency: "/v1/latency",
  deadLetters: "/v1/dead-letters",
  /** Renews the agent's AIT now (the registry's `POST /v1/agents/renew`, made by the connector). */
  identityRenew: "/v1/identity/renew",
} as const;

export const outboundRequestSchema = z.object({
  toAgentDid: agentDidSchema,
  payload: z.unknown().refine((value) => value !== undefined, "payload is required"),
  conversationId: conversationIdSchema.optional(),
  replyTo: z.string().min(1).max(200).optional(),
  priority: prioritySchema.optional(),
  correlationId: correlationIdSchema.optional(),
});
export type OutboundRequest = z.infer<typeof outboundRequestSchema>;

export const idempotencyKeySchema = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[\x21-\x7e]+$/);

export const outboundAcceptedResponseSchema = z.object({
  messageId: ulidSchema,
  correlationId: correlationIdSchema,
  status: z.literal("queued"),
});
export type OutboundAcceptedResponse = z.infer<typeof outboundAcceptedResponseSchema>;

export const OUTBOUND_STATES = ["queued", "relayed", "delivered_to_webhook", "dead_lettered"] as const;
export const outboundStateSchema = z.enum(OUTBOUND_STATES);
export type OutboundState = z.infer<typeof outboundStateSchema>;

export const outboundStatusResponseSchema = z.object({
  messageId: ulidSchema,
  correlationId: correlationIdSchema,
  toAgentDid: agentDidSchema,
  priority: prioritySchema,
  status: outboundStateSchema,
  attempts: z.number().int().nonnegative(),
  createdAt: isoTimestampSchema,
  relayedAt: isoTimestampSchema.optional(),
  lastError: z.string().optional(),
  deadLetterReason: z.string().optional(),
  /** When the connector itself dead-lettered the message (the proxy refused it for good or it expired). */
  deadLetteredAt: isoTimestampSchema.optional(),
  receipts: z.array(
    z.object({ status: receiptStatusSchema, reason: receiptReasonSchema.optional(), at: isoTimestampSchema }),
  ),
});
export type OutboundStatusResponse = z.infer<typeof outboundStatusResponseSchema>;

export const CIRCUIT_STATES = ["closed", "open", "half_open"] as const;
export type CircuitState = (typeof CIRCUIT_STATES)[number];

export const circuitStateSchema = z.enum(CIRCUIT_STATES);

export const circuitSnapshotSchema = z.object({
  state: circuitStateSchema,
  consecutiveFailures: z.number().int().nonnegative(),
  openedAt: isoTimestampSchema.optional(),
  nextTrialAt: isoTimestampSchema.optional(),
});
export type CircuitSnapshot = z.infer<typeof circuitSnapshotSchema>;

export const RELAY_SOCKET_STATES = ["connecting", "connected", "disconnected", "superseded", "stopped"] as const;

/**
 * The connector's identity: `valid` while its AIT works, `renewing` during a renewal call,
 * `expired` / `revoked` once the proxy or registry refused the AIT for that reason (every call to
 * the proxy stops until a new identity is written to the agent home).
 */
export const IDENTITY_STATES = ["valid", "renewing", "expired", "revoked"] as const;
export const identityStateSchema = z.enum(IDENTITY_STATES);
export type IdentityState = z.infer<typeof identityStateSchema>;

export const connectorIdentityStatusSchema = z.object({
  jti: ulidSchema,
  issuedAt: isoTimestampSchema,
  expiresAt: isoTimestampSchema,
  state: identityStateSchema,
  renewal: z.object({
    /** False without a `registryUrl` or with `renewAtFraction` 0: only the owner renews then. */
    enabled: z.boolean(),
    /** When the connector renews next (the fraction of the lifetime, or a retry after a failure). */
    nextAttemptAt: isoTimestampSchema.optional(),
    lastAttemptAt: isoTimestampSchema.optional(),
    lastRenewedAt: isoTimestampSchema.optional(),
    consecutiveFailures: z.number().int().nonnegative(),
    /** Why the last attempt failed, with the registry's error code when it answered one. */
    lastError: z.string().optional(),
    lastErrorCode: z.string().optional(),
  }),
});
export type ConnectorIdentityStatus = z.infer<typeof connectorIdentityStatusSchema>;

/** Body of `POST /v1/identity/renew`; may be empty. */
export const identityRenewRequestSchema = z.object({ rotateKey: z.boolean().optional() });
export type IdentityRenewRequest = z.infer<typeof identityRenewRequestSchema>;
export const identityRenewResponseSchema = z.object({ identity: connectorIdentityStatusSchema });
export type IdentityRenewResponse = z.infer<typeof identityRenewResponseSchema>;

/** `GET /v1/status` of a connector. */
export const connectorStatusResponseSchema = z.object({
  agentDid: agentDidSchema,
  startedAt: isoTimestampSchema,
  /** Optional so a client can read a connector that predates it. */
  identity: connectorIdentityStatusSchema.optional(),
  socket: z.object({
    state: z.enum(RELAY_SOCKET_STATES),
    connectedAt: isoTimestampSchema.optional(),
    lastFrameAt: isoTimestampSchema.optional(),
    lastHeartbeatRttMs: z.number().nonnegative().optional(),
    reconnectAttempts: z.number().int().nonnegative(),
    lastCloseCode: z.number().int().optional(),
  }),
  circuits: z.object({ proxy: circuitSnapshotSchema, webhook: circuitSnapshotSchema }),
  queues: z.object({
    outbox: z.object({
      queued: z.number().int(),
      relayed: z.number().int(),
      deadLettered: z.number().int(),
      /** Relayed messages still without an outcome (no receipt yet), and when the oldest was relayed. */
      awaitingOutcome: z
        .object({ count: z.number().int().nonnegative(), oldestRelayedAt: isoTimestampSchema.optional() })
        .optional(),
    }),
    inbox: z.object({ pending: z.number().int(), delivered: z.number().int(), deadLettered: z.number().int() }),
    receiptOutbox: z.object({ pending: z.number().int(), failed: z.number().int() }),
    runtimeNotifications: z.object({ pending: z.number().int(), failed: z.number().int() }),
  }),
  /** Until when the proxy asked (with `Retry-After`) not to be sent to, while that pause runs. */
  relayPausedUntil: isoTimestampSchema.optional(),
  /**
   * Present while the runtime webhook answers 401/403/404 (a wrong URL or token): deliveries and
   * notices wait, spending no attempt, until a probe gets through or their TTL runs out.
   */
  webhookPause: z
    .object({
      reason: z.literal("misconfigured"),
      since: isoTimestampSchema,
      nextAttemptAt: isoTimestampSchema,
      failures: z.number().int().positive(),
      lastError: z.string(),
    })
    .optional(),
});
export type ConnectorStatusResponse = z.infer<typeof connectorStatusResponseSchema>;

export const DEAD_LETTER_DIRECTIONS = ["outbound", "inbound"] as const;
export const deadLetterDirectionSchema = z.enum(DEAD_LETTER_DIRECTIONS);
export type DeadLetterDirection = z.infer<typeof deadLetterDirectionSchema>;

/**
 * One dead letter held by a connector. `source: "remote"` means the relay took the message: it
 * dead-lettered it, or the sender never learned its outcome (`outcome_unknown`); either way the
 * same messageId cannot be sent again.
 */
export const connectorDeadLetterSchema = z.object({
  direction: deadLetterDirectionSchema,
  messageId: ulidSchema,
  correlationId: correlationIdSchema,
  peerAgentDid: agentDidSchema,
  priority: prioritySchema,
  reason: z.string(),
  source: z.enum(["local", "remote"]),
  attempts: z.number().int().nonnegative(),
  lastError: z.string().optional(),
  deadLetteredAt: isoTimestampSchema,
});
export type ConnectorDeadLetter = z.infer<typeof connectorDeadLetterSchema>;

/** Query of `GET` / `DELETE /v1/dead-letters`; every filter is optional. */
export const connectorDeadLetterQuerySchema = z.object({
  direction: deadLetterDirectionSchema.optional(),
  olderThan: z.string().optional(),
  peerAgentDid: agentDidSchema.optional(),
  limit: z.coerce.number().int().min(1).max(1000).optional(),
});

export const connectorDeadLettersResponseSchema = z.object({ deadLetters: z.array(connectorDeadLetterSchema) });
export const connectorDeadLetterRetryResponseSchema = z.object({
  retried: z.array(z.object({ direction: deadLetterDirectionSchema, messageId: ulidSchema })),
});
export const connectorDeadLetterPurgeResponseSchema = z.object({ purged: z.number().int().nonnegative() });
