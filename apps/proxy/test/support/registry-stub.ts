import { createPrivateKey, randomBytes, sign } from "node:crypto";
import {
  TEST_REGISTRY_CONTROL,
  TEST_REGISTRY_KID,
  TEST_REGISTRY_PUBLIC_KEY,
  TEST_REGISTRY_SEED,
  TEST_REGISTRY_URL,
  TEST_RETIRED_KID,
  TEST_RETIRED_PUBLIC_KEY,
} from "./registry-fixture.ts";

/**
 * A registry for the proxy's tests, given to the `REGISTRY` service binding. It runs in the
 * Node process that loads the vitest config, where the workspace's TypeScript packages cannot be
 * imported, so it signs its CRL with node:crypto; tests verify it with the sdk like any CRL.
 */

const TWENTY_YEARS_SECONDS = 20 * 365 * 86_400;
const CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

interface Revocation {
  jti: string;
  agentDid: string;
  revokedAt: number;
}

const registryKey = createPrivateKey({
  key: { kty: "OKP", crv: "Ed25519", d: TEST_REGISTRY_SEED, x: TEST_REGISTRY_PUBLIC_KEY },
  format: "jwk",
});

const toBase64url = (value: string | Buffer) => Buffer.from(value).toString("base64url");

/** A random id in ULID form (timestamp bits do not matter to a CRL id). */
const randomUlid = () => `0${[...randomBytes(25)].map((byte) => CROCKFORD[byte % 32]).join("")}`;

function signCrlToken(revocations: Revocation[]): string {
  const iat = Math.floor(Date.now() / 1000);
  const header = toBase64url(JSON.stringify({ alg: "EdDSA", typ: "CRL", kid: TEST_REGISTRY_KID }));
  const claims = { iss: TEST_REGISTRY_URL, jti: randomUlid(), iat, exp: iat + TWENTY_YEARS_SECONDS, revocations };
  const payload = toBase64url(JSON.stringify(claims));
  const signature = sign(null, Buffer.from(`${header}.${payload}`), registryKey);
  return `${header}.${payload}.${toBase64url(signature)}`;
}

const keysDocument = {
  keys: [
    { kid: TEST_REGISTRY_KID, alg: "EdDSA", crv: "Ed25519", x: TEST_REGISTRY_PUBLIC_KEY, status: "active" },
    { kid: TEST_RETIRED_KID, alg: "EdDSA", crv: "Ed25519", x: TEST_RETIRED_PUBLIC_KEY, status: "revoked" },
  ],
};

export function createRegistryStub(): (request: Request) => Promise<Response> {
  const revocations: Revocation[] = [];
  const stats = { keys: 0, crl: 0 };

  return async function handleRegistryRequest(request) {
    const url = new URL(request.url);
    if (url.pathname === "/.well-known/claw-keys.json") {
      stats.keys++;
      return Response.json(keysDocument);
    }
    if (url.pathname === "/v1/crl") {
      stats.crl++;
      return Response.json({ crl: signCrlToken(revocations) });
    }
    if (url.pathname === TEST_REGISTRY_CONTROL.revoke && request.method === "POST") {
      revocations.push((await request.json()) as Revocation);
      return new Response(null, { status: 204 });
    }
    if (url.pathname === TEST_REGISTRY_CONTROL.stats) return Response.json(stats);
    return new Response("not found", { status: 404 });
  };
}
