import { decodeBase64url, encodeBase64url } from "./base64url";
import { ED25519, type SigningPrimitives, webCryptoSigning } from "./signing-primitives";

/** DER prefix of a PKCS#8 Ed25519 private key; the 32-byte seed follows it. */
const PKCS8_ED25519_PREFIX = new Uint8Array([
  0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
]);

export interface Ed25519KeyPair {
  /** base64url raw public key (the JWK `x`). */
  publicKey: string;
  /** base64url 32-byte seed (the JWK `d`). */
  seed: string;
  privateKey: CryptoKey;
}

export async function generateEd25519KeyPair(): Promise<Ed25519KeyPair> {
  const pair = (await crypto.subtle.generateKey(ED25519, true, ["sign", "verify"])) as CryptoKeyPair;
  const jwk = (await crypto.subtle.exportKey("jwk", pair.privateKey)) as JsonWebKey;
  if (!jwk.d || !jwk.x) throw new Error("Ed25519 key export returned no seed");
  return importEd25519Seed(jwk.d);
}

/** Rebuilds a key pair from its base64url 32-byte seed. */
export async function importEd25519Seed(seed: string): Promise<Ed25519KeyPair> {
  const seedBytes = decodeBase64url(seed);
  if (seedBytes.length !== 32) throw new TypeError("Ed25519 seed must be 32 bytes");
  const pkcs8 = new Uint8Array(PKCS8_ED25519_PREFIX.length + 32);
  pkcs8.set(PKCS8_ED25519_PREFIX);
  pkcs8.set(seedBytes, PKCS8_ED25519_PREFIX.length);
  const extractable = await crypto.subtle.importKey("pkcs8", pkcs8, ED25519, true, ["sign"]);
  const jwk = (await crypto.subtle.exportKey("jwk", extractable)) as JsonWebKey;
  if (!jwk.x) throw new Error("Ed25519 key export returned no public key");
  const privateKey = await crypto.subtle.importKey("pkcs8", pkcs8, ED25519, false, ["sign"]);
  return { publicKey: jwk.x, seed: encodeBase64url(seedBytes), privateKey };
}

export async function importEd25519PublicKey(publicKey: string): Promise<CryptoKey> {
  const raw = decodeBase64url(publicKey);
  if (raw.length !== 32) throw new TypeError("Ed25519 public key must be 32 bytes");
  return crypto.subtle.importKey("raw", raw, ED25519, true, ["verify"]);
}

export async function signEd25519(
  privateKey: CryptoKey,
  data: Uint8Array<ArrayBuffer>,
  primitives: SigningPrimitives = webCryptoSigning,
): Promise<string> {
  return encodeBase64url(await primitives.signEd25519(privateKey, data));
}

/** False for a bad signature or a malformed key/signature; never throws on attacker input. */
export async function verifyEd25519(
  publicKey: string | CryptoKey,
  signature: string,
  data: Uint8Array<ArrayBuffer>,
): Promise<boolean> {
  try {
    const key = typeof publicKey === "string" ? await importEd25519PublicKey(publicKey) : publicKey;
    const sigBytes = decodeBase64url(signature);
    if (sigBytes.length !== 64) return false;
    return await crypto.subtle.verify(ED25519, key, sigBytes, data);
  } catch {
    return false;
  }
}
