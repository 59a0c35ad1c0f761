import { type SigningPrimitives, webCryptoSigning } from "./signing-primitives";

const ALPHABET: string = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const LOOKUP = new Map([...ALPHABET].map((char, index) => [char, index]));

export function encodeBase64url(bytes: Uint8Array): string {
  let out = "";
  let index = 0;
  for (; index + 2 < bytes.length; index += 3) {
    const n = ((bytes[index] ?? 0) << 16) | ((bytes[index + 1] ?? 0) << 8) | (bytes[index + 2] ?? 0);
    out +=
      ALPHABET.charAt((n >> 18) & 63) +
      ALPHABET.charAt((n >> 12) & 63) +
      ALPHABET.charAt((n >> 6) & 63) +
      ALPHABET.charAt(n & 63);
  }
  const rest = bytes.length - index;
  if (rest === 1) {
    const n = (bytes[index] ?? 0) << 16;
    out += ALPHABET.charAt((n >> 18) & 63) + ALPHABET.charAt((n >> 12) & 63);
  } else if (rest === 2) {
    const n = ((bytes[index] ?? 0) << 16) | ((bytes[index + 1] ?? 0) << 8);
    out += ALPHABET.charAt((n >> 18) & 63) + ALPHABET.charAt((n >> 12) & 63) + ALPHABET.charAt((n >> 6) & 63);
  }
  return out;
}

/** Strict decoder: rejects padding, other alphabets, impossible lengths and non-zero trailing bits. */
export function decodeBase64url(text: string): Uint8Array<ArrayBuffer> {
  if (text.length % 4 === 1) throw new TypeError("invalid base64url length");
  const out = new Uint8Array(Math.floor((text.length * 3) / 4));
  let buffer = 0;
  let bits = 0;
  let offset = 0;
  for (const char of text) {
    const value = LOOKUP.get(char);
    if (value === undefined) throw new TypeError("invalid base64url character");
    buffer = (buffer << 6) | value;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[offset++] = (buffer >> bits) & 0xff;
    }
  }
  // Only the canonical spelling decodes, so one byte string has exactly one text form.
  if ((buffer & ((1 << bits) - 1)) !== 0) throw new TypeError("non-canonical base64url trailing bits");
  return out;
}

/** UTF-8 bytes of `text`, backed by a plain ArrayBuffer (what Web Crypto takes). */
export function encodeUtf8(text: string): Uint8Array<ArrayBuffer> {
  // The Workers types declare `encode` as returning `Uint8Array<ArrayBufferLike>`; every runtime
  // returns a fresh ArrayBuffer-backed array, so the narrower type holds under DOM and Workers types.
  return new TextEncoder().encode(text) as Uint8Array<ArrayBuffer>;
}

/** base64url SHA-256 of the raw body; the empty body hashes the empty string. */
export async function hashBodySha256(
  body: string | Uint8Array | null | undefined,
  primitives: SigningPrimitives = webCryptoSigning,
): Promise<string> {
  const bytes = typeof body === "string" ? encodeUtf8(body) : new Uint8Array(body ?? []);
  return encodeBase64url(await primitives.sha256(bytes));
}
