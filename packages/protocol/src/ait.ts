import { z } from "zod";
import { agentDidSchema, humanDidSchema } from "./did";
import { base64urlSchema, hasControlChars, ulidSchema, unixSecondsSchema } from "./primitives";

export const AIT_TYPE = "AIT";
export const AIT_ALG = "EdDSA";
export const AIT_MIN_TTL_DAYS = 1;
export const AIT_MAX_TTL_DAYS = 90;
export const AIT_DEFAULT_TTL_DAYS = 30;
/**
 * Every AIT lives 60 s to 90 days (`exp − iat`). Lifetimes are chosen in days; whole seconds
 * (`ttlSeconds`) allow the short-lived identities that tests and high-security agents use.
 */
export const AIT_MIN_TTL_SECONDS = 60;
export const AIT_MAX_TTL_SECONDS = AIT_MAX_TTL_DAYS * 86_400;
export const AGENT_NAME_PATTERN = /^[A-Za-z0-9._ -]{1,64}$/;

export const agentNameSchema = z.string().regex(AGENT_NAME_PATTERN, "1-64 letters, digits, '.', '_', '-' or spaces");
export const frameworkSchema = z
  .string()
  .min(1)
  .max(32)
  .refine((value) => !hasControlChars(value), "must not contain control characters");
export const ttlDaysSchema = z.number().int().min(AIT_MIN_TTL_DAYS).max(AIT_MAX_TTL_DAYS);
export const ttlSecondsSchema = z.number().int().min(AIT_MIN_TTL_SECONDS).max(AIT_MAX_TTL_SECONDS);

export const ed25519PublicJwkSchema = z.strictObject({
  kty: z.literal("OKP"),
  crv: z.literal("Ed25519"),
  x: base64urlSchema.length(43),
});
export type Ed25519PublicJwk = z.infer<typeof ed25519PublicJwkSchema>;

export const aitHeaderSchema = z.object({
  alg: z.literal(AIT_ALG),
  typ: z.literal(AIT_TYPE),
  kid: z.string().min(1).max(128),
});
export type AitHeader = z.infer<typeof aitHeaderSchema>;

export const aitClaimsSchema = z
  .strictObject({
    iss: z.url(),
    sub: agentDidSchema,
    ownerDid: humanDidSchema,
    name: agentNameSchema,
    framework: frameworkSchema,
    cnf: z.strictObject({ jwk: ed25519PublicJwkSchema }),
    iat: unixSecondsSchema,
    nbf: unixSecondsSchema,
    exp: unixSecondsSchema,
    jti: ulidSchema,
  })
  .superRefine((claims, ctx) => {
    if (claims.exp <= claims.nbf) ctx.addIssue({ code: "custom", path: ["exp"], message: "exp must be after nbf" });
    const lifetime = claims.exp - claims.iat;
    if (lifetime < AIT_MIN_TTL_SECONDS || lifetime > AIT_MAX_TTL_SECONDS) {
      ctx.addIssue({
        code: "custom",
        path: ["exp"],
        message: `lifetime must be ${AIT_MIN_TTL_SECONDS} s to ${AIT_MAX_TTL_DAYS} days`,
      });
    }
  });
export type AitClaims = z.infer<typeof aitClaimsSchema>;
