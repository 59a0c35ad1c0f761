import { base64urlSchema, DEFAULTS, type RegistryKey, registryKeySchema, toDidAuthority } from "@clawdentity/protocol";
import { describeNonPublicUrl } from "@clawdentity/sdk";
import { z } from "zod";

export interface RateLimitRule {
  limit: number;
  windowSeconds: number;
}

export const RATE_LIMIT_BUCKETS = [
  "resolve",
  "crl",
  "challenge",
  "redeem",
  "bootstrap",
  "renew",
  "proxies",
  "events",
] as const;
export type RateLimitBucket = (typeof RATE_LIMIT_BUCKETS)[number];

export interface RegistryConfig {
  environment: string;
  /** The AIT/CRL `iss`; its hostname is the DID authority. */
  issuerUrl: string;
  didAuthority: string;
  signingKey: { kid: string; seed: string };
  /** Older keys still listed in the keys document (rotation); never the current kid. */
  publishedKeys: RegistryKey[];
  /** Absent: bootstrap is disabled. */
  bootstrapSecret: string | null;
  /**
   * Shared with the proxies (`REGISTRY_SERVICE_TOKEN`): their keys and CRL fetches carry it and are
   * not counted against the public per-IP limits. Absent: every caller is public.
   */
  serviceToken: string | null;
  challengeTtlSeconds: number;
  crl: { ttlSeconds: number; cacheMaxAgeSeconds: number };
  keysCacheMaxAgeSeconds: number;
  outbox: {
    leaseMs: number;
    retryBaseMs: number;
    retryMaxMs: number;
    retentionMs: number;
    sweepBatchSize: number;
    /** An unsent event older than this makes `/health` report `degraded`. */
    staleAfterMs: number;
  };
  rateLimits: Record<RateLimitBucket, RateLimitRule>;
}

const rateLimitRuleSchema = z.object({
  limit: z.number().int().positive(),
  windowSeconds: z.number().int().positive().max(86_400),
});

const DEFAULT_RATE_LIMITS: Record<RateLimitBucket, RateLimitRule> = {
  resolve: { limit: 120, windowSeconds: 60 },
  crl: { limit: 60, windowSeconds: 60 },
  challenge: { limit: 30, windowSeconds: 60 },
  redeem: { limit: 10, windowSeconds: 60 },
  bootstrap: { limit: 5, windowSeconds: 60 },
  // An agent renews once per lifetime; this leaves room for many agents behind one address.
  renew: { limit: 30, windowSeconds: 60 },
  // Proxies of other deployments (without this registry's service token) look keys up and poll the feed.
  proxies: { limit: 120, windowSeconds: 60 },
  events: { limit: 120, windowSeconds: 60 },
};

/** A var holding JSON: parsed, then validated by `schema`; a parse failure becomes a zod issue. */
const jsonVar = <S extends z.ZodType>(schema: S) =>
  z
    .string()
    .transform((text, ctx) => {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        ctx.addIssue({ code: "custom", message: "must be JSON" });
        return z.NEVER;
      }
    })
    .pipe(schema);

const publishedKeyInputSchema = registryKeySchema
  .omit({ alg: true, crv: true })
  .extend({ alg: z.literal("EdDSA").default("EdDSA"), crv: z.literal("Ed25519").default("Ed25519") });

const optionalSecret = z
  .string()
  .optional()
  .transform((value) => (value && value.length > 0 ? value : undefined));

/** The exact `iss` verifiers compare against: lower-case origin plus path, no trailing slash. */
function toCanonicalIssuer(raw: string): string {
  const url = new URL(raw);
  return `${url.origin}${url.pathname}`.replace(/\/+$/, "");
}

const envSchema = z
  .object({
    ENVIRONMENT: z.enum(["local", "dev", "production"], "ENVIRONMENT must be local, dev or production"),
    REGISTRY_ISSUER_URL: z.url({ protocol: /^https?$/ }).transform(toCanonicalIssuer),
    REGISTRY_SIGNING_KEY: base64urlSchema.length(43, "must be a base64url Ed25519 seed (32 bytes)"),
    REGISTRY_SIGNING_KID: z.string().min(1).max(128),
    REGISTRY_PUBLISHED_KEYS: jsonVar(z.array(publishedKeyInputSchema)).default([]),
    BOOTSTRAP_SECRET: optionalSecret.pipe(z.string().min(16, "must be at least 16 characters").optional()),
    REGISTRY_SERVICE_TOKEN: optionalSecret.pipe(z.string().min(32, "must be at least 32 characters").optional()),
    REGISTRY_RATE_LIMITS: jsonVar(z.partialRecord(z.enum(RATE_LIMIT_BUCKETS), rateLimitRuleSchema)).default({}),
  })
  .superRefine((env, ctx) => {
    // Outside local development nothing falls back to a development default: fail closed.
    if (env.ENVIRONMENT === "local") return;
    const problem = describeNonPublicUrl(env.REGISTRY_ISSUER_URL);
    if (problem) {
      ctx.addIssue({
        code: "custom",
        path: ["REGISTRY_ISSUER_URL"],
        message: `${problem} (outside local development)`,
      });
    }
    if (!env.REGISTRY_SERVICE_TOKEN) {
      ctx.addIssue({ code: "custom", path: ["REGISTRY_SERVICE_TOKEN"], message: "required outside local development" });
    }
  });

export class RegistryConfigError extends Error {
  override readonly name = "RegistryConfigError";
}

/** Parses the Worker env once into the typed config; a bad value throws naming the variable. */
export function parseRegistryConfig(env: unknown): RegistryConfig {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`);
    throw new RegistryConfigError(`invalid registry config: ${problems.join("; ")}`);
  }
  const vars = parsed.data;
  const publishedKeys = vars.REGISTRY_PUBLISHED_KEYS.filter((key) => key.kid !== vars.REGISTRY_SIGNING_KID);
  return {
    environment: vars.ENVIRONMENT,
    issuerUrl: vars.REGISTRY_ISSUER_URL,
    didAuthority: toDidAuthority(vars.REGISTRY_ISSUER_URL),
    signingKey: { kid: vars.REGISTRY_SIGNING_KID, seed: vars.REGISTRY_SIGNING_KEY },
    publishedKeys,
    bootstrapSecret: vars.BOOTSTRAP_SECRET ?? null,
    serviceToken: vars.REGISTRY_SERVICE_TOKEN ?? null,
    challengeTtlSeconds: DEFAULTS.challengeTtlSeconds,
    crl: { ttlSeconds: 300, cacheMaxAgeSeconds: 30 },
    keysCacheMaxAgeSeconds: 300,
    outbox: {
      leaseMs: 60_000,
      retryBaseMs: 30_000,
      retryMaxMs: 30 * 60_000,
      retentionMs: 7 * 86_400_000,
      sweepBatchSize: 100,
      staleAfterMs: 5 * 60_000,
    },
    rateLimits: { ...DEFAULT_RATE_LIMITS, ...vars.REGISTRY_RATE_LIMITS },
  };
}
