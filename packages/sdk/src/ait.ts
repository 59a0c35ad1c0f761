import { AIT_TYPE, type AitClaims, aitClaimsSchema } from "@clawdentity/protocol";
import { ClawAuthError } from "./auth-error";
import { decodeBase64url } from "./base64url";
import { type SigningKeyResolver, signCompactJws, verifyCompactJws } from "./jws";

export async function signAit(input: { claims: AitClaims; kid: string; privateKey: CryptoKey }): Promise<string> {
  const claims = aitClaimsSchema.parse(input.claims);
  return signCompactJws({ claims, typ: AIT_TYPE, kid: input.kid, privateKey: input.privateKey });
}

/** Verifies an AIT against the registry keys; unknown claims and malformed values are refused. */
export async function verifyAit(input: {
  token: string;
  keys: SigningKeyResolver;
  nowSeconds: number;
  issuer?: string;
}): Promise<AitClaims> {
  const payload = await verifyCompactJws({ ...input, typ: AIT_TYPE });
  const parsed = aitClaimsSchema.safeParse(payload);
  if (!parsed.success) {
    throw new ClawAuthError("INVALID_AIT", `AIT claims invalid: ${parsed.error.issues[0]?.message ?? "unknown"}`);
  }
  return parsed.data;
}

/**
 * The claims of an AIT read WITHOUT verifying it: for its holder, who shows or schedules by its
 * own token (every verifier checks the signature). Null when it is not a readable AIT.
 */
export function decodeAitClaims(token: string): AitClaims | null {
  const payload = token.split(".")[1];
  if (!payload) return null;
  try {
    const parsed = aitClaimsSchema.safeParse(JSON.parse(new TextDecoder().decode(decodeBase64url(payload))));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}
