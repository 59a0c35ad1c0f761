import { z } from "zod";
import { agentDidSchema } from "./did";
import { safeTextSchema, ulidSchema, unixSecondsSchema } from "./primitives";

export const CRL_TYPE = "CRL";

export const crlHeaderSchema = z.object({
  alg: z.literal("EdDSA"),
  typ: z.literal(CRL_TYPE),
  kid: z.string().min(1).max(128),
});

export const revocationEntrySchema = z.strictObject({
  jti: ulidSchema,
  agentDid: agentDidSchema,
  reason: safeTextSchema(280).optional(),
  revokedAt: unixSecondsSchema,
});
export type RevocationEntry = z.infer<typeof revocationEntrySchema>;

export const crlClaimsSchema = z
  .strictObject({
    iss: z.url(),
    jti: ulidSchema,
    iat: unixSecondsSchema,
    exp: unixSecondsSchema,
    revocations: z.array(revocationEntrySchema),
  })
  .refine((claims) => claims.exp > claims.iat, { path: ["exp"], message: "exp must be after iat" });
export type CrlClaims = z.infer<typeof crlClaimsSchema>;

/** Body of `GET /v1/crl`. */
export const crlResponseSchema = z.object({ crl: z.string().min(1) });
export type CrlResponse = z.infer<typeof crlResponseSchema>;
