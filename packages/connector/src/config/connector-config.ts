import { agentDidSchema, base64urlSchema, DEFAULTS } from "@clawdentity/protocol";
import { z } from "zod";

const LOOPBACK_HOSTS = ["127.0.0.1", "::1"] as const;

const durationMs = (fallback: number) => z.number().int().nonnegative().default(fallback);
const positiveInt = (fallback: number) => z.number().int().positive().default(fallback);

/** Every timing and size the connector uses; defaults are PROTOCOL.md §10 where it names one. */
export const connectorTuningSchema = z.object({
  outboxRetryBaseMs: durationMs(DEFAULTS.outboxRetryBaseMs),
  outboxRetryMaxMs: durationMs(DEFAULTS.outboxRetryMaxMs),
  outboxTtlMs: durationMs(DEFAULTS.outboxTtlMs),
  outboxConcurrency: positiveInt(8),
  relayRequestTimeoutMs: durationMs(15_000),
  webhookTimeoutMs: durationMs(DEFAULTS.webhookTimeoutMs),
  webhookRetryBaseMs: durationMs(DEFAULTS.webhookRetryBaseMs),
  webhookRetryMaxMs: durationMs(DEFAULTS.webhookRetryMaxMs),
  webhookMaxAttempts: positiveInt(DEFAULTS.webhookMaxAttempts),
  webhookTtlMs: durationMs(DEFAULTS.webhookTtlMs),
  /** Calls in flight to the runtime's webhook (deliveries and notices each); the runtime's owner lowers it for a runtime that takes fewer. */
  webhookConcurrency: positiveInt(16),
  runtimeNotificationMaxAttempts: positiveInt(DEFAULTS.webhookMaxAttempts),
  receiptTtlMs: durationMs(DEFAULTS.outboxTtlMs),
  /** A relayed message with no receipt this long after the relay took it: ask the proxy for its outcome. */
  outcomeCheckAfterMs: durationMs(DEFAULTS.relayMessageTtlMs),
  /** Between two outcome checks of one message while the proxy reports it unfinished or unknown. */
  outcomeCheckIntervalMs: positiveInt(15 * 60_000),
  /** A relayed message still without an outcome this long after the relay took it is dead-lettered `outcome_unknown`. */
  outcomeDeadlineMs: durationMs(DEFAULTS.relayMessageTtlMs + DEFAULTS.webhookTtlMs),
  retryJitterRatio: z.number().min(0).max(1).default(DEFAULTS.retryJitterRatio),
  heartbeatIntervalMs: durationMs(DEFAULTS.heartbeatIntervalMs),
  deadSocketAfterMs: durationMs(DEFAULTS.deadSocketAfterMs),
  reconnectBaseMs: durationMs(1_000),
  reconnectMaxMs: durationMs(60_000),
  circuitFailureThreshold: positiveInt(DEFAULTS.circuitFailureThreshold),
  circuitOpenMs: durationMs(DEFAULTS.circuitOpenMs),
  retentionMs: durationMs(DEFAULTS.deadLetterRetentionMs),
  retentionSweepIntervalMs: durationMs(3_600_000),
  leaseMs: durationMs(60_000),
  /**
   * SQLite `synchronous` in WAL mode. FULL (default) fsyncs every commit, so an accepted message or
   * an acked frame survives a power cut; NORMAL survives a killed process but not an OS crash, for
   * roughly 25x cheaper commits.
   */
  databaseSynchronous: z.enum(["FULL", "NORMAL"]).default("FULL"),
  /** Upper bound between two scans of a queue, so a clock jump or missed wake-up cannot stall it. */
  maxIdleMs: durationMs(5_000),
  /**
   * The connector renews its AIT at the registry once this fraction of the AIT's lifetime has
   * passed (`iat + fraction · (exp − iat)`); 0 turns self-renewal off (the owner reissues then).
   */
  renewAtFraction: z
    .number()
    .min(0)
    .max(1)
    .default(2 / 3),
  /** A failed renewal is tried again after this, doubling up to `renewalRetryMaxMs` (never past the AIT's expiry). */
  renewalRetryBaseMs: positiveInt(60_000),
  renewalRetryMaxMs: positiveInt(3_600_000),
  /** Each self-renewal also rotates the agent's key (a new seed, proved to the registry). */
  renewalRotatesKey: z.boolean().default(false),
  /** How often identity.json is looked at for an identity written by someone else (an owner's reissue). */
  identityWatchIntervalMs: positiveInt(2_000),
  /**
   * A revoked AIT waits this long for a new identity in identity.json before the connector halts:
   * an owner's reissue revokes the old AIT at the proxy moments before the new one is written.
   */
  identityRevocationGraceMs: durationMs(3_000),
});
export type ConnectorTuning = z.infer<typeof connectorTuningSchema>;

/**
 * Overrides as stored in an agent's config.json: only what the user set (no defaults written, so
 * a later release's defaults still apply), unknown keys refused so a typo cannot pass silently.
 */
export const connectorTuningOverridesSchema = z.strictObject(
  Object.fromEntries(
    Object.entries(connectorTuningSchema.shape).map(([key, field]) => [key, field.unwrap().optional()]),
  ),
) as unknown as z.ZodType<Partial<ConnectorTuning>>;

export const agentIdentitySchema = z.object({
  agentDid: agentDidSchema,
  ait: z.string().min(1),
  seed: base64urlSchema.length(43),
  /** A key made for a rotating renewal, kept until the registry has answered (its answer may be lost). */
  nextSeed: base64urlSchema.length(43).optional(),
});
export type AgentIdentity = z.infer<typeof agentIdentitySchema>;

const httpUrlSchema = z.url({ protocol: /^https?$/ });

/** Headers the connector sets on every webhook call itself; a delivery target cannot replace them. */
const RESERVED_WEBHOOK_HEADERS: ReadonlySet<string> = new Set([
  "host",
  "connection",
  "content-length",
  "content-type",
  "transfer-encoding",
  "idempotency-key",
  "webhook-id",
  "webhook-timestamp",
  "webhook-signature",
  "x-claw-message-id",
  "x-claw-correlation-id",
]);
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}$/;
// Visible ASCII, spaces and tabs: no CR, LF or NUL that could split a request.
const HEADER_VALUE = /^[\t\x20-\x7e]{0,8192}$/;

/**
 * Extra headers of the runtime webhook (e.g. `authorization: Bearer <token>` for an OpenClaw
 * gateway); names are stored lower case.
 */
export const webhookHeadersSchema = z
  .record(z.string(), z.string())
  .superRefine((headers, ctx) => {
    for (const [name, value] of Object.entries(headers)) {
      if (!HEADER_NAME.test(name)) ctx.addIssue({ code: "custom", path: [name], message: "not a header name" });
      else if (RESERVED_WEBHOOK_HEADERS.has(name.toLowerCase())) {
        ctx.addIssue({ code: "custom", path: [name], message: "set by the connector itself" });
      }
      if (!HEADER_VALUE.test(value)) {
        ctx.addIssue({ code: "custom", path: [name], message: "header values are printable ASCII, at most 8 KiB" });
      }
    }
  })
  .transform((headers) =>
    Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value])),
  );
export type WebhookHeaders = z.infer<typeof webhookHeadersSchema>;

/** A Standard Webhooks secret: `whsec_` and base64 of 24-64 bytes (the sdk's `createWebhookSecret`). */
export const webhookSecretSchema = z
  .string()
  .regex(/^whsec_[A-Za-z0-9+/]{32,88}={0,2}$/, "a webhook secret is whsec_ and base64 of 24-64 bytes");

/** Where and how the connector calls the agent runtime, besides its URL (PROTOCOL.md §9). */
export const webhookTargetSchema = z.object({
  headers: webhookHeadersSchema.default({}),
  /** Signs every call (PROTOCOL.md §9.4); without one the calls go unsigned. */
  secret: webhookSecretSchema.optional(),
});
export type WebhookTarget = z.infer<typeof webhookTargetSchema> & { url: string };

export const localApiConfigSchema = z.object({
  host: z
    .enum(LOOPBACK_HOSTS, { message: "the local API binds to a loopback address only (127.0.0.1 or ::1)" })
    .default("127.0.0.1"),
  /** 0 lets the OS choose; the chosen port is written to the agent's runtime.json. */
  port: z.number().int().min(0).max(65_535).default(0),
  token: z.string().min(32, "localApiToken must be at least 32 characters"),
});

/** The one typed config a connector runs with; `parseConnectorConfig` is the only way to make one. */
export const connectorConfigSchema = z
  .object({
    identity: agentIdentitySchema,
    proxyUrl: httpUrlSchema,
    registryUrl: httpUrlSchema.optional(),
    deliveryWebhookUrl: httpUrlSchema,
    /**
     * Where the identity lives (the agent home's identity.json): renewed identities are written
     * there, and an identity written there by someone else (an owner's reissue) is taken up.
     */
    identityPath: z.string().min(1).optional(),
    webhook: webhookTargetSchema.default({ headers: {} }),
    localApi: localApiConfigSchema,
    databasePath: z.string().min(1),
    tuning: connectorTuningSchema.default(connectorTuningSchema.parse({})),
  })
  .superRefine((config, ctx) => {
    const { leaseMs, webhookTimeoutMs, relayRequestTimeoutMs } = config.tuning;
    // A lease shorter than a call would let a second claimer take a row that is still in flight.
    if (leaseMs <= Math.max(webhookTimeoutMs, relayRequestTimeoutMs)) {
      ctx.addIssue({
        code: "custom",
        path: ["tuning", "leaseMs"],
        message: "leaseMs must exceed every request timeout",
      });
    }
  });
export type ConnectorConfig = z.infer<typeof connectorConfigSchema>;
export type ConnectorConfigInput = z.input<typeof connectorConfigSchema>;

export class ConnectorConfigError extends Error {
  override readonly name = "ConnectorConfigError";
}

/** Parses config once; a bad value fails fast with every problem listed. */
export function parseConnectorConfig(input: unknown): ConnectorConfig {
  const parsed = connectorConfigSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => `${issue.path.join(".") || "config"}: ${issue.message}`);
  throw new ConnectorConfigError(`invalid connector config: ${problems.join("; ")}`);
}
