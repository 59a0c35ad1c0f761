import type { AuthFailureReason } from "@clawdentity/protocol";
import { decodeProtectedHeader, errors as joseErrors, jwtVerify, SignJWT } from "jose";
import type { z } from "zod";
import { ClawAuthError } from "./auth-error";
import { decodeBase64url } from "./base64url";
import { importEd25519PublicKey } from "./keys";

/** Looks up an active registry signing key by `kid`; returns its base64url public key. */
export interface SigningKeyResolver {
  resolveKey(kid: string): Promise<string>;
}

const MAX_KID_LENGTH = 128;

export interface SignJwsInput {
  claims: Record<string, unknown>;
  typ: string;
  kid: string;
  privateKey: CryptoKey;
}

export async function signCompactJws(input: SignJwsInput): Promise<string> {
  return new SignJWT(input.claims)
    .setProtectedHeader({ alg: "EdDSA", typ: input.typ, kid: input.kid })
    .sign(input.privateKey);
}

export interface VerifyJwsInput {
  token: string;
  typ: string;
  keys: SigningKeyResolver;
  nowSeconds: number;
  issuer?: string;
}

/** Verifies signature, typ and time claims; returns the raw payload for the caller's schema. */
export async function verifyCompactJws(input: VerifyJwsInput): Promise<Record<string, unknown>> {
  let kid: string | undefined;
  try {
    const header = decodeProtectedHeader(input.token);
    if (header.alg !== "EdDSA" || header.typ !== input.typ) throw new Error("unexpected alg or typ");
    kid = header.kid;
  } catch {
    throw new ClawAuthError("INVALID_AIT", `not a ${input.typ} token`);
  }
  if (typeof kid !== "string" || kid.length === 0 || kid.length > MAX_KID_LENGTH) {
    throw new ClawAuthError("INVALID_AIT", `${input.typ} header has no usable kid`);
  }
  const publicKey = await importRegistryKey(await input.keys.resolveKey(kid));
  try {
    const { payload } = await jwtVerify(input.token, publicKey, {
      algorithms: ["EdDSA"],
      typ: input.typ,
      currentDate: new Date(input.nowSeconds * 1000),
      ...(input.issuer ? { issuer: input.issuer } : {}),
    });
    return payload as Record<string, unknown>;
  } catch (error) {
    throw new ClawAuthError(toJoseFailureReason(error), `${input.typ} rejected: ${(error as Error).message}`);
  }
}

/**
 * A compact JWS's claims read WITHOUT verifying the signature, for a holder or a router that only
 * looks (whoever acts on them verifies). Null when the token or its claims do not parse.
 */
export function decodeJwsClaims<Claims>(token: string, schema: z.ZodType<Claims>): Claims | null {
  const payload = token.split(".")[1];
  if (!payload) return null;
  try {
    const parsed = schema.safeParse(JSON.parse(new TextDecoder().decode(decodeBase64url(payload))));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** A registry key that does not import is the registry's fault, not the caller's: 503, not 401 or 500. */
async function importRegistryKey(publicKey: string): Promise<CryptoKey> {
  try {
    return await importEd25519PublicKey(publicKey);
  } catch (error) {
    throw new ClawAuthError("KEYS_UNAVAILABLE", `registry key is malformed: ${(error as Error).message}`);
  }
}

function toJoseFailureReason(error: unknown): AuthFailureReason {
  if (error instanceof joseErrors.JWTExpired) return "AIT_EXPIRED";
  if (error instanceof joseErrors.JWTClaimValidationFailed && error.claim === "nbf") return "AIT_NOT_YET_VALID";
  if (error instanceof joseErrors.JWTClaimValidationFailed && error.claim === "iss") return "UNTRUSTED_ISSUER";
  return "INVALID_AIT";
}

/**
 * Signing and verification of one kind of registry-signed document (AIT, CRL, event feed page):
 * its `typ`, the schema its claims must pass on both sides, and the name its errors use.
 */
export function createSignedDocument<Claims extends Record<string, unknown>>(
  typ: string,
  schema: z.ZodType<Claims>,
  name: string,
) {
  return {
    async sign(input: { claims: Claims; kid: string; privateKey: CryptoKey }): Promise<string> {
      return signCompactJws({ claims: schema.parse(input.claims), typ, kid: input.kid, privateKey: input.privateKey });
    },
    async verify(input: Omit<VerifyJwsInput, "typ">): Promise<Claims> {
      const parsed = schema.safeParse(await verifyCompactJws({ ...input, typ }));
      if (!parsed.success) {
        throw new ClawAuthError(
          "INVALID_AIT",
          `${name} claims invalid: ${parsed.error.issues[0]?.message ?? "unknown"}`,
        );
      }
      return parsed.data;
    },
  };
}
