import { base64urlSchema, DEFAULTS, proxyOriginSchema, RELAY_MAX_PAYLOAD_BYTES } from "@clawdentity/protocol";
import { describeNonPublicUrl } from "@clawdentity/sdk";
import { z } from "zod";

const positiveInt = z.coerce.number().int().positive();
const nonNegativeInt = z.coerce.number().int().nonnegative();

/** Secrets every deployed (non-local) environment must have. */
const DEPLOYED_SECRETS = [
  "PAIRING_TICKET_SECRET",
  "METRICS_TOKEN",
  "REGISTRY_SERVICE_TOKEN",
  "PROXY_SIGNING_KEY",
] as const;

/** Only for `ENVIRONMENT=local`, so `wrangler dev` runs without a `.dev.vars` file. */
const LOCAL_PAIRING_TICKET_SECRET = "clawdentity-local-development-pairing-secret";

const envSchema = z
  .object({
    ENVIRONMENT: z.enum(["local", "dev", "production"], "ENVIRONMENT must be local, dev or production"),
    REGISTRY_URL: z.url(),
    REGISTRY_ISSUER: z.url().optional(),
    PAIRING_TICKET_SECRET: z.string().min(32, "PAIRING_TICKET_SECRET must be at least 32 characters").optional(),
    PAIRING_TICKET_TTL_SECONDS: positiveInt.max(3600).default(DEFAULTS.pairingTicketTtlSeconds),
    REGISTRY_KEYS_TTL_MS: positiveInt.default(5 * 60_000),
    CRL_REFRESH_INTERVAL_MS: positiveInt.default(60_000),
    CRL_MAX_AGE_MS: positiveInt.default(15 * 60_000),
    CRL_FAIL_MODE: z.enum(["open", "closed"]).default("open"),
    CRL_SWEEP_LOOKBACK_MS: positiveInt.default(86_400_000),
    RELAY_QUEUE_CAPACITY: positiveInt.default(DEFAULTS.relayQueueCapacity),
    RELAY_MESSAGE_TTL_MS: positiveInt.default(DEFAULTS.relayMessageTtlMs),
    RELAY_IN_FLIGHT_WINDOW: positiveInt.max(256).default(DEFAULTS.relayInFlightWindow),
    RELAY_BATCH_WINDOW: positiveInt.max(256).default(DEFAULTS.relayBatchWindow),
    RELAY_MAX_ATTEMPTS: positiveInt.default(DEFAULTS.relayMaxAttempts),
    RELAY_RETRY_BASE_MS: positiveInt.default(DEFAULTS.relayRetryBaseMs),
    RELAY_RETRY_MAX_MS: positiveInt.default(DEFAULTS.relayRetryMaxMs),
    RELAY_ACK_TIMEOUT_MS: positiveInt.default(DEFAULTS.deadSocketAfterMs),
    RELAY_HELLO_GRACE_MS: nonNegativeInt.default(2_000),
    RELAY_RETENTION_MS: positiveInt.default(DEFAULTS.deadLetterRetentionMs),
    CIRCUIT_FAILURE_THRESHOLD: positiveInt.default(DEFAULTS.circuitFailureThreshold),
    CIRCUIT_OPEN_MS: positiveInt.default(DEFAULTS.circuitOpenMs),
    SENDER_RATE_LIMIT_PER_MINUTE: positiveInt.default(DEFAULTS.senderRateLimitPerMinute),
    RELAY_SENDER_QUEUE_SHARE: z.coerce.number().gt(0).max(1).default(0.25),
    NOTICE_RETRY_BASE_MS: positiveInt.default(1_000),
    NOTICE_RETRY_MAX_MS: positiveInt.default(5 * 60_000),
    RELAY_RECEIPT_CONFIRM_TIMEOUT_MS: positiveInt.default(30_000),
    METRICS_TOKEN: z.string().min(16, "METRICS_TOKEN must be at least 16 characters").optional(),
    REGISTRY_SERVICE_TOKEN: z.string().min(32, "REGISTRY_SERVICE_TOKEN must be at least 32 characters").optional(),
    METRICS_SHARDS: positiveInt.max(64).default(4),
    METRICS_FLUSH_INTERVAL_MS: positiveInt.default(30_000),
    QUEUE_RETRY_BASE_MS: positiveInt.default(2_000),
    // Cloudflare Queues accept a retry delay of at most 12 hours.
    QUEUE_RETRY_MAX_MS: positiveInt.max(12 * 3_600_000).default(5 * 60_000),
    QUEUE_RECORD_RETENTION_MS: positiveInt.default(30 * 86_400_000),
    PROXY_ORIGIN: proxyOriginSchema,
    PROXY_SIGNING_KEY: base64urlSchema
      .length(43, "PROXY_SIGNING_KEY must be a base64url 32-byte Ed25519 seed")
      .optional(),
    PROXY_KEYS_CACHE_TTL_MS: positiveInt.max(60_000).default(60_000),
    HOME_CACHE_TTL_MS: positiveInt.default(60_000),
    FEDERATION_RETRY_BASE_MS: positiveInt.default(1_000),
    FEDERATION_RETRY_MAX_MS: positiveInt.default(5 * 60_000),
    TEST_RUNTIME_HOOK: z.literal("on", "TEST_RUNTIME_HOOK is on or unset").optional(),
  })
  .superRefine((env, ctx) => {
    // Outside local development nothing falls back to a development default: fail closed.
    if (env.ENVIRONMENT !== "local") {
      for (const name of DEPLOYED_SECRETS) {
        if (!env[name]) ctx.addIssue({ code: "custom", path: [name], message: "required outside local development" });
      }
      for (const name of ["REGISTRY_URL", "REGISTRY_ISSUER", "PROXY_ORIGIN"] as const) {
        const value = env[name];
        const problem = value === undefined ? null : describeNonPublicUrl(value);
        if (problem) ctx.addIssue({ code: "custom", path: [name], message: `${problem} (outside local development)` });
      }
    }
    if (env.TEST_RUNTIME_HOOK && env.ENVIRONMENT !== "local") {
      ctx.addIssue({ code: "custom", path: ["TEST_RUNTIME_HOOK"], message: "only for tests (ENVIRONMENT=local)" });
    }
    for (const [max, base] of [
      ["RELAY_RETRY_MAX_MS", "RELAY_RETRY_BASE_MS"],
      ["NOTICE_RETRY_MAX_MS", "NOTICE_RETRY_BASE_MS"],
      ["QUEUE_RETRY_MAX_MS", "QUEUE_RETRY_BASE_MS"],
      ["FEDERATION_RETRY_MAX_MS", "FEDERATION_RETRY_BASE_MS"],
    ] as const) {
      if (env[max] < env[base]) ctx.addIssue({ code: "custom", path: [max], message: `must be at least ${base}` });
    }
  });

/** What a relay session needs: queue shape, delivery timing and the default sender limit. */
export interface RelaySettings {
  queueCapacity: number;
  messageTtlMs: number;
  inFlightWindow: number;
  /** The window of a socket that asked for batch frames. */
  batchWindow: number;
  maxAttempts: number;
  retryBaseMs: number;
  retryMaxMs: number;
  retryJitterRatio: number;
  ackTimeoutMs: number;
  helloGraceMs: number;
  retentionMs: number;
  circuitFailureThreshold: number;
  circuitOpenMs: number;
  /** Messages per minute one sender may relay, across all its recipients (a pairing may only lower it). */
  senderRateLimitPerMinute: number;
  /** The most of a recipient's queue one sender may hold, as a fraction of its capacity. */
  senderQueueShare: number;
  /** Backoff of an unsent dead-letter notice, receipt event or delivery report. */
  noticeRetryBaseMs: number;
  noticeRetryMaxMs: number;
  /**
   * How long a published receipt event may wait for the sender's session to confirm it before it
   * is published again (the first wait; later ones back off up to `noticeRetryMaxMs`).
   */
  receiptConfirmTimeoutMs: number;
  /** How often a session pushes its counter deltas into the metrics aggregate. */
  metricsFlushIntervalMs: number;
  metricsShards: number;
}

/** PROTOCOL.md §11: this proxy's identity among the proxies of one registry, and forwarding policy. */
export interface FederationSettings {
  /** This proxy's public origin: the audience of requests other proxies sign for it. */
  origin: string;
  /** Base64url Ed25519 seed; null (local development only) disables federation entirely. */
  signingKey: string | null;
  /** How long another proxy's registered key is trusted without asking the registry again (the revocation bound). */
  proxyKeysCacheTtlMs: number;
  /** How long a recipient's home proxy, as the registry resolved it, is reused. */
  homeCacheTtlMs: number;
  retryBaseMs: number;
  retryMaxMs: number;
}

export interface ProxyConfig {
  environment: "local" | "dev" | "production";
  registryUrl: string;
  registryIssuer: string;
  pairingTicketSecret: string;
  pairingTicketTtlSeconds: number;
  maxPayloadBytes: number;
  registryKeysTtlMs: number;
  crlRefreshIntervalMs: number;
  crlMaxAgeMs: number;
  crlFailMode: "open" | "closed";
  /** How far back the first revocation-list sweep applies entries (later sweeps start at their watermark). */
  revocationSweepLookbackMs: number;
  relay: RelaySettings;
  /** Bearer token of `GET /metrics` and the operator routes; null refuses every caller. */
  metricsToken: string | null;
  /** Sent with every registry call (keys, CRL) so they count as service traffic, not a public client. */
  registryServiceToken: string | null;
  queues: { retryBaseMs: number; retryMaxMs: number; recordRetentionMs: number };
  federation: FederationSettings;
  /**
   * Tests only (`TEST_RUNTIME_HOOK=on`, refused outside local): the relay sessions and federation
   * outboxes take their clock, random source, settings and receipts producer from `test-runtime.ts`.
   */
  testRuntimeHook: boolean;
}

export class ProxyConfigError extends Error {
  override readonly name = "ProxyConfigError";
}

/** Parses the Worker env once into a typed config; a bad value fails fast naming every offending variable. */
export function parseProxyConfig(env: object): ProxyConfig {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`);
    throw new ProxyConfigError(`invalid proxy configuration: ${problems.join("; ")}`);
  }
  const e = parsed.data;
  return {
    environment: e.ENVIRONMENT,
    registryUrl: e.REGISTRY_URL,
    registryIssuer: e.REGISTRY_ISSUER ?? e.REGISTRY_URL,
    pairingTicketSecret: e.PAIRING_TICKET_SECRET ?? LOCAL_PAIRING_TICKET_SECRET,
    pairingTicketTtlSeconds: e.PAIRING_TICKET_TTL_SECONDS,
    maxPayloadBytes: RELAY_MAX_PAYLOAD_BYTES,
    registryKeysTtlMs: e.REGISTRY_KEYS_TTL_MS,
    crlRefreshIntervalMs: e.CRL_REFRESH_INTERVAL_MS,
    crlMaxAgeMs: e.CRL_MAX_AGE_MS,
    crlFailMode: e.CRL_FAIL_MODE,
    revocationSweepLookbackMs: e.CRL_SWEEP_LOOKBACK_MS,
    relay: {
      queueCapacity: e.RELAY_QUEUE_CAPACITY,
      messageTtlMs: e.RELAY_MESSAGE_TTL_MS,
      inFlightWindow: e.RELAY_IN_FLIGHT_WINDOW,
      batchWindow: e.RELAY_BATCH_WINDOW,
      maxAttempts: e.RELAY_MAX_ATTEMPTS,
      retryBaseMs: e.RELAY_RETRY_BASE_MS,
      retryMaxMs: e.RELAY_RETRY_MAX_MS,
      retryJitterRatio: DEFAULTS.retryJitterRatio,
      ackTimeoutMs: e.RELAY_ACK_TIMEOUT_MS,
      helloGraceMs: e.RELAY_HELLO_GRACE_MS,
      retentionMs: e.RELAY_RETENTION_MS,
      circuitFailureThreshold: e.CIRCUIT_FAILURE_THRESHOLD,
      circuitOpenMs: e.CIRCUIT_OPEN_MS,
      senderRateLimitPerMinute: e.SENDER_RATE_LIMIT_PER_MINUTE,
      senderQueueShare: e.RELAY_SENDER_QUEUE_SHARE,
      noticeRetryBaseMs: e.NOTICE_RETRY_BASE_MS,
      noticeRetryMaxMs: e.NOTICE_RETRY_MAX_MS,
      receiptConfirmTimeoutMs: e.RELAY_RECEIPT_CONFIRM_TIMEOUT_MS,
      metricsFlushIntervalMs: e.METRICS_FLUSH_INTERVAL_MS,
      metricsShards: e.METRICS_SHARDS,
    },
    metricsToken: e.METRICS_TOKEN ?? null,
    registryServiceToken: e.REGISTRY_SERVICE_TOKEN ?? null,
    queues: {
      retryBaseMs: e.QUEUE_RETRY_BASE_MS,
      retryMaxMs: e.QUEUE_RETRY_MAX_MS,
      recordRetentionMs: e.QUEUE_RECORD_RETENTION_MS,
    },
    federation: {
      origin: e.PROXY_ORIGIN,
      signingKey: e.PROXY_SIGNING_KEY ?? null,
      proxyKeysCacheTtlMs: e.PROXY_KEYS_CACHE_TTL_MS,
      homeCacheTtlMs: e.HOME_CACHE_TTL_MS,
      retryBaseMs: e.FEDERATION_RETRY_BASE_MS,
      retryMaxMs: e.FEDERATION_RETRY_MAX_MS,
    },
    testRuntimeHook: e.TEST_RUNTIME_HOOK === "on",
  };
}

const parsedConfigs = new WeakMap<object, ProxyConfig>();

/** `parseProxyConfig`, memoised per env object so an isolate parses its env once. */
export function resolveProxyConfig(env: object): ProxyConfig {
  let config = parsedConfigs.get(env);
  if (!config) {
    config = parseProxyConfig(env);
    parsedConfigs.set(env, config);
  }
  return config;
}
