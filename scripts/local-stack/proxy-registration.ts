import { createHash, createPrivateKey, createPublicKey } from "node:crypto";
import type { Miniflare } from "miniflare";

type D1Database = Awaited<ReturnType<Miniflare["getD1Database"]>>;

/** DER prefix of a PKCS#8 Ed25519 private key; the 32-byte seed follows. */
const PKCS8_ED25519_PREFIX = Buffer.from("302e020100300506032b657004220420", "hex");

export interface LocalProxyKey {
  origin: string;
  kid: string;
  publicKey: string;
}

/** A proxy's public key and `kid` (the RFC 7638 thumbprint, PROTOCOL.md §11.1) from its seed. */
export function toLocalProxyKey(origin: string, seed: string): LocalProxyKey {
  const privateKey = createPrivateKey({
    key: Buffer.concat([PKCS8_ED25519_PREFIX, Buffer.from(seed, "base64url")]),
    format: "der",
    type: "pkcs8",
  });
  const publicKey = createPublicKey(privateKey).export({ format: "jwk" }).x;
  if (!publicKey) throw new Error("Ed25519 public key export returned no x");
  const thumbprintInput = JSON.stringify({ crv: "Ed25519", kty: "OKP", x: publicKey });
  const kid = createHash("sha256").update(thumbprintInput).digest("base64url");
  return { origin, kid, publicKey };
}

/**
 * Registers the stack's proxies at its registry as an admin would (`POST /v1/proxies`), in the name
 * of the first admin: false while there is none yet (before `clawdentity admin bootstrap`).
 * Idempotent: a key already registered is left as it is.
 */
export async function registerLocalProxies(db: D1Database, proxies: LocalProxyKey[]): Promise<boolean> {
  const admin = await db
    .prepare("SELECT id FROM owners WHERE role = 'admin' ORDER BY created_at LIMIT 1")
    .first<{ id: string }>();
  if (!admin) return false;
  for (const proxy of proxies) {
    await db
      .prepare(
        `INSERT INTO proxies (kid, origin, public_key, status, created_by_owner_id, created_at, revoked_at)
         VALUES (?, ?, ?, 'active', ?, ?, NULL) ON CONFLICT DO NOTHING`,
      )
      .bind(proxy.kid, proxy.origin, proxy.publicKey, admin.id, Date.now())
      .run();
  }
  return true;
}
