import { encodeUtf8 } from "../base64url";

const digest = async (text: string) => new Uint8Array(await crypto.subtle.digest("SHA-256", encodeUtf8(text)));

/**
 * Whether a presented secret equals the expected one. Both are hashed first and the digests are
 * compared without an early exit, so neither the secret's length nor how much of it matched
 * shows in the timing. No expected secret (not configured) matches nothing.
 */
export async function secretsMatch(presented: string | null | undefined, expected: string | null): Promise<boolean> {
  if (expected === null || presented === null || presented === undefined) return false;
  const [a, b] = await Promise.all([digest(presented), digest(expected)]);
  let difference = 0;
  for (let index = 0; index < a.length; index++) difference |= (a[index] ?? 0) ^ (b[index] ?? 0);
  return difference === 0;
}
