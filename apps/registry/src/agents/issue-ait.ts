import type { AitClaims } from "@clawdentity/protocol";
import { toUnixSeconds } from "@clawdentity/sdk";
import type { RegistryContext } from "../context";

export interface AitSubject {
  did: string;
  ownerDid: string;
  name: string;
  framework: string;
  publicKey: string;
}

/** Signs an AIT for `subject`, valid from now for `ttlSeconds`. */
export async function issueAit(
  context: RegistryContext,
  input: { subject: AitSubject; jti: string; ttlSeconds: number; nowMs: number },
): Promise<{ ait: string; expiresAtMs: number }> {
  const iat = toUnixSeconds(input.nowMs);
  const exp = iat + input.ttlSeconds;
  const claims: AitClaims = {
    iss: context.config.issuerUrl,
    sub: input.subject.did,
    ownerDid: input.subject.ownerDid,
    name: input.subject.name,
    framework: input.subject.framework,
    cnf: { jwk: { kty: "OKP", crv: "Ed25519", x: input.subject.publicKey } },
    iat,
    nbf: iat,
    exp,
    jti: input.jti,
  };
  return { ait: await context.signer.signAit(claims), expiresAtMs: exp * 1000 };
}
