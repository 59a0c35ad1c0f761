import { CRL_TYPE, type CrlClaims, crlClaimsSchema } from "@clawdentity/protocol";
import { ClawAuthError } from "./auth-error";
import { type SigningKeyResolver, signCompactJws, verifyCompactJws } from "./jws";

export async function signCrl(input: { claims: CrlClaims; kid: string; privateKey: CryptoKey }): Promise<string> {
  const claims = crlClaimsSchema.parse(input.claims);
  return signCompactJws({ claims, typ: CRL_TYPE, kid: input.kid, privateKey: input.privateKey });
}

export async function verifyCrl(input: {
  token: string;
  keys: SigningKeyResolver;
  nowSeconds: number;
  issuer?: string;
}): Promise<CrlClaims> {
  const payload = await verifyCompactJws({ ...input, typ: CRL_TYPE });
  const parsed = crlClaimsSchema.safeParse(payload);
  if (!parsed.success) {
    throw new ClawAuthError("INVALID_AIT", `CRL claims invalid: ${parsed.error.issues[0]?.message ?? "unknown"}`);
  }
  return parsed.data;
}
