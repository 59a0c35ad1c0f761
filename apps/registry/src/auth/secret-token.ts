import { ULID_PATTERN } from "@clawdentity/protocol";
import { createUlid, decodeBase64url, encodeBase64url, hashBodySha256 } from "@clawdentity/sdk";

/** A one-time-shown secret (`<prefix><id>_<random>`); only `hash` is stored. */
export interface SecretToken {
  id: string;
  value: string;
  hash: string;
}

const SECRET_BYTES = 32;

export async function createSecretToken(prefix: string, nowMs: number): Promise<SecretToken> {
  const id = createUlid(nowMs);
  const secret = encodeBase64url(crypto.getRandomValues(new Uint8Array(SECRET_BYTES)));
  const value = `${prefix}${id}_${secret}`;
  return { id, value, hash: await toSecretHash(value) };
}

/** The id a well-formed token names (for the indexed lookup), or null for anything else. */
export function parseSecretTokenId(value: string, prefix: string): string | null {
  if (!value.startsWith(prefix)) return null;
  const rest = value.slice(prefix.length);
  const id = rest.slice(0, 26);
  const secret = rest.slice(27);
  if (rest[26] !== "_" || !ULID_PATTERN.test(id) || !/^[A-Za-z0-9_-]{43}$/.test(secret)) return null;
  return id;
}

/** base64url SHA-256 of the whole token. */
export function toSecretHash(value: string): Promise<string> {
  return hashBodySha256(value);
}

/** Compares the token's hash with the stored one in time independent of where they differ. */
export async function isSecretTokenMatch(value: string, storedHash: string): Promise<boolean> {
  return isEqualConstantTime(decodeBase64url(await toSecretHash(value)), decodeBase64url(storedHash));
}

export function isEqualConstantTime(left: Uint8Array, right: Uint8Array): boolean {
  if (left.length !== right.length) return false;
  let difference = 0;
  for (let index = 0; index < left.length; index++) difference |= (left[index] ?? 0) ^ (right[index] ?? 0);
  return difference === 0;
}
