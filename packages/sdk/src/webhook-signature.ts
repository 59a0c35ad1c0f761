import { encodeUtf8 } from "./base64url";

/**
 * Standard Webhooks signatures (https://www.standardwebhooks.com), as the connector signs every
 * call to an agent runtime (PROTOCOL.md §9.4): HMAC-SHA256 over `<webhook-id>.<webhook-timestamp>.<body>`
 * with the secret's bytes, sent as `webhook-signature: v1,<base64>`. Web Crypto only, so the same
 * code runs in Node, Workers and browsers.
 */
export const WEBHOOK_SECRET_PREFIX = "whsec_";
/** How far a `webhook-timestamp` may be from the verifier's clock, either way, by default. */
export const WEBHOOK_TOLERANCE_SECONDS = 300;
const SIGNATURE_VERSION = "v1";
const SECRET_BYTES = 32;

export type WebhookVerificationFailure =
  | "missing_header"
  | "invalid_secret"
  | "invalid_timestamp"
  | "timestamp_too_old"
  | "timestamp_too_new"
  | "invalid_signature";

/** Why a webhook call was refused; `reason` is stable, the message is for people. */
export class WebhookVerificationError extends Error {
  override readonly name = "WebhookVerificationError";
  constructor(
    readonly reason: WebhookVerificationFailure,
    message: string,
  ) {
    super(message);
  }
}

/** A type, not an interface, so it is also a plain header record. */
export type WebhookSignatureHeaders = {
  "webhook-id": string;
  "webhook-timestamp": string;
  "webhook-signature": string;
};

function toBase64(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

function fromBase64(text: string): Uint8Array<ArrayBuffer> | null {
  try {
    const binary = atob(text);
    const bytes = new Uint8Array(binary.length);
    for (let index = 0; index < binary.length; index++) bytes[index] = binary.charCodeAt(index);
    return bytes;
  } catch {
    return null;
  }
}

/** A new secret: `whsec_` and the base64 of 32 random bytes. */
export function createWebhookSecret(): string {
  return `${WEBHOOK_SECRET_PREFIX}${toBase64(crypto.getRandomValues(new Uint8Array(SECRET_BYTES)))}`;
}

/** The key bytes of a `whsec_` secret; throws `invalid_secret` for anything else. */
function toSecretBytes(secret: string): Uint8Array<ArrayBuffer> {
  const encoded = secret.startsWith(WEBHOOK_SECRET_PREFIX) ? secret.slice(WEBHOOK_SECRET_PREFIX.length) : secret;
  const bytes = fromBase64(encoded);
  // The spec allows 24 to 64 bytes of key.
  if (!bytes || bytes.length < 24 || bytes.length > 64) {
    throw new WebhookVerificationError("invalid_secret", "the webhook secret is not whsec_ and base64 of 24-64 bytes");
  }
  return bytes;
}

async function importSecret(secret: string, usage: "sign" | "verify"): Promise<CryptoKey> {
  return crypto.subtle.importKey("raw", toSecretBytes(secret), { name: "HMAC", hash: "SHA-256" }, false, [usage]);
}

/**
 * HMAC-SHA256 of `content` under `key`, for a signer that has a faster one than Web Crypto's (a
 * Node process signing every call: `createHmac` answers at once, without a trip through the
 * runtime's crypto thread pool).
 */
export type WebhookMac = (key: Uint8Array, content: Uint8Array) => Uint8Array;

/**
 * Whether `mac` is the HMAC-SHA256 of `content` under `key`, compared in constant time: for a
 * verifier with a faster check than Web Crypto's (in Node, `createHmac` and `timingSafeEqual`).
 */
export type WebhookMacCheck = (key: Uint8Array, content: Uint8Array, mac: Uint8Array) => boolean;

const toSignedContent = (id: string, timestamp: string, body: string) => encodeUtf8(`${id}.${timestamp}.${body}`);

/** Imported keys kept: a process signs or verifies for a handful of agents, each with its own secret. */
const KEY_CACHE_SIZE = 16;
const keys = new Map<string, Promise<CryptoKey>>();

/**
 * The imported key of a secret, per usage, from the last few used: a sender signs every call with
 * the same secret and a runtime verifies every call with its own, and an import per call is one
 * more trip through the runtime's crypto before each one.
 */
function toKey(secret: string, usage: "sign" | "verify"): Promise<CryptoKey> {
  const cacheKey = `${usage} ${secret}`;
  const cached = keys.get(cacheKey);
  if (cached) return cached;
  const key = importSecret(secret, usage);
  // A secret that cannot be imported is not kept: the next call reports it again.
  key.catch(() => {
    if (keys.get(cacheKey) === key) keys.delete(cacheKey);
  });
  keys.set(cacheKey, key);
  if (keys.size > KEY_CACHE_SIZE) keys.delete(keys.keys().next().value as string);
  return key;
}

/** The three headers for one call; `timestamp` is unix seconds (default now); `mac` replaces Web Crypto's HMAC. */
export async function signWebhook(input: {
  secret: string;
  id: string;
  body: string;
  timestamp?: number;
  mac?: WebhookMac;
}): Promise<WebhookSignatureHeaders> {
  const timestamp = String(input.timestamp ?? Math.floor(Date.now() / 1000));
  const content = toSignedContent(input.id, timestamp, input.body);
  const mac = input.mac
    ? input.mac(toSecretBytes(input.secret), content)
    : new Uint8Array(await crypto.subtle.sign("HMAC", await toKey(input.secret, "sign"), content));
  return {
    "webhook-id": input.id,
    "webhook-timestamp": timestamp,
    "webhook-signature": `${SIGNATURE_VERSION},${toBase64(mac)}`,
  };
}

type HeaderSource = Headers | Record<string, string | string[] | undefined>;

function readHeader(headers: HeaderSource, name: string): string | null {
  if (headers instanceof Headers) return headers.get(name);
  const value = headers[name] ?? Object.entries(headers).find(([key]) => key.toLowerCase() === name)?.[1];
  return Array.isArray(value) ? (value[0] ?? null) : (value ?? null);
}

/**
 * Verifies one call as a runtime receives it: the raw body text (before any JSON parsing), the
 * request's headers, the shared secret. Refuses a timestamp more than `toleranceSeconds` (300)
 * away from `nowSeconds` either way, then accepts when any `v1` signature of the space-separated
 * list matches. The MAC is checked with `crypto.subtle.verify`, which compares in constant time,
 * or with `checkMac` when given. Returns the webhook id (deduplicate on it) and timestamp; throws
 * `WebhookVerificationError`.
 */
export async function verifyWebhook(input: {
  secret: string;
  headers: HeaderSource;
  body: string;
  toleranceSeconds?: number;
  nowSeconds?: number;
  checkMac?: WebhookMacCheck;
}): Promise<{ id: string; timestamp: number }> {
  const id = readHeader(input.headers, "webhook-id");
  const timestampText = readHeader(input.headers, "webhook-timestamp");
  const signatures = readHeader(input.headers, "webhook-signature");
  if (!id || !timestampText || !signatures) {
    throw new WebhookVerificationError(
      "missing_header",
      "webhook-id, webhook-timestamp and webhook-signature are required",
    );
  }
  if (!/^\d{1,12}$/.test(timestampText)) {
    throw new WebhookVerificationError("invalid_timestamp", "webhook-timestamp is not unix seconds");
  }
  const timestamp = Number(timestampText);
  const now = input.nowSeconds ?? Math.floor(Date.now() / 1000);
  const tolerance = input.toleranceSeconds ?? WEBHOOK_TOLERANCE_SECONDS;
  if (timestamp < now - tolerance)
    throw new WebhookVerificationError("timestamp_too_old", "webhook-timestamp is too old");
  if (timestamp > now + tolerance) {
    throw new WebhookVerificationError("timestamp_too_new", "webhook-timestamp is in the future");
  }
  const content = toSignedContent(id, timestampText, input.body);
  const { checkMac } = input;
  let matches: (mac: Uint8Array<ArrayBuffer>) => boolean | Promise<boolean>;
  if (checkMac) {
    const keyBytes = toSecretBytes(input.secret);
    matches = (mac) => checkMac(keyBytes, content, mac);
  } else {
    const key = await toKey(input.secret, "verify");
    matches = (mac) => crypto.subtle.verify("HMAC", key, mac, content);
  }
  for (const entry of signatures.split(" ")) {
    const [version, encoded] = entry.split(",", 2);
    if (version !== SIGNATURE_VERSION || !encoded) continue;
    const mac = fromBase64(encoded);
    if (mac && (await matches(mac))) return { id, timestamp };
  }
  throw new WebhookVerificationError("invalid_signature", "no webhook-signature matches the body and the secret");
}
