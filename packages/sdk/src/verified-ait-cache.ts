import type { AitClaims } from "@clawdentity/protocol";
import { decodeProtectedHeader } from "jose";
import { verifyAit } from "./ait";
import type { SigningKeyResolver } from "./jws";
import { importEd25519PublicKey } from "./keys";

/** An AIT whose signature was checked, and its holder's key made ready for the request proofs. */
export interface VerifiedAit {
  claims: AitClaims;
  /** The AIT's `cnf` key, imported once for every proof made under this AIT; null if it does not import. */
  holderKey: CryptoKey | null;
}

interface Entry extends VerifiedAit {
  kid: string;
  /** The registry key that verified the signature, as the resolver gave it then. */
  registryKey: string;
}

type VerifyAitInput = { token: string; keys: SigningKeyResolver; nowSeconds: number; issuer?: string };

export interface VerifiedAitCache {
  /** The AIT verified as `verifyAit` does, from memory when this exact token was verified before. */
  verify(input: VerifyAitInput): Promise<VerifiedAit>;
}

/** `verifyAit`, and the holder's key imported for the proofs: what a verifier that keeps nothing does. */
export async function verifyAitWithHolderKey(input: VerifyAitInput): Promise<VerifiedAit> {
  const claims = await verifyAit(input);
  return { claims, holderKey: await importEd25519PublicKey(claims.cnf.jwk.x).catch(() => null) };
}

/**
 * AITs already verified, by their exact text: an agent signs every request with the same AIT, so
 * its signature, header and claims are checked once, not per request. A token held here is still
 * checked each time for what can change: inside its validity window, from the expected issuer, and
 * its registry key still published unchanged (a removed or rotated key sends it through the full
 * check, and so to the same refusal). Revocation is not this cache's business (the CRL and the
 * sender's session decide it on every request). Bounded; the oldest entry leaves first.
 */
export function createVerifiedAitCache(maxEntries = 1024): VerifiedAitCache {
  const entries = new Map<string, Entry>();

  const stillValid = async (entry: Entry, input: VerifyAitInput) => {
    const { claims } = entry;
    if (claims.exp <= input.nowSeconds || claims.nbf > input.nowSeconds) return false;
    if (input.issuer && claims.iss !== input.issuer) return false;
    return (await input.keys.resolveKey(entry.kid).catch(() => null)) === entry.registryKey;
  };

  return {
    async verify(input) {
      const known = entries.get(input.token);
      if (known && (await stillValid(known, input))) return known;
      const verified = await verifyAitWithHolderKey(input);
      const kid = decodeProtectedHeader(input.token).kid as string;
      const entry: Entry = { ...verified, kid, registryKey: await input.keys.resolveKey(kid) };
      entries.delete(input.token);
      entries.set(input.token, entry);
      if (entries.size > maxEntries) entries.delete(entries.keys().next().value as string);
      return entry;
    },
  };
}
