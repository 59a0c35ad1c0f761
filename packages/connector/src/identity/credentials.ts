import type { AitClaims } from "@clawdentity/protocol";
import { decodeAitClaims, importEd25519Seed } from "@clawdentity/sdk";
import type { AgentIdentity } from "../config";

/** An identity ready to sign with: its key imported and its AIT's claims read. */
export interface Credentials {
  identity: AgentIdentity;
  privateKey: CryptoKey;
  claims: AitClaims;
}

export class IdentityError extends Error {
  override readonly name = "IdentityError";
}

/** Checks that the AIT is readable, names this agent and the seed's key; refuses anything else. */
export async function toCredentials(identity: AgentIdentity): Promise<Credentials> {
  const claims = decodeAitClaims(identity.ait);
  if (!claims) throw new IdentityError("the identity's AIT is not a readable AIT");
  if (claims.sub !== identity.agentDid) {
    throw new IdentityError(`the identity's AIT is for ${claims.sub}, not ${identity.agentDid}`);
  }
  const { privateKey, publicKey } = await importEd25519Seed(identity.seed);
  if (claims.cnf.jwk.x !== publicKey) throw new IdentityError("the identity's AIT names another key than its seed");
  return { identity, privateKey, claims };
}

/** When the AIT's lifetime reaches `fraction` (milliseconds since the epoch). */
export function toRenewAt(claims: AitClaims, fraction: number): number {
  return Math.round((claims.iat + fraction * (claims.exp - claims.iat)) * 1000);
}
