import { tsImport } from "tsx/esm/api";
import {
  TEST_REGISTRY_CONTROL,
  TEST_REGISTRY_KID,
  TEST_REGISTRY_SEED,
  TEST_REGISTRY_URL,
  TEST_RETIRED_KID,
  TEST_RETIRED_SEED,
} from "./registry-fixture.ts";

type Sdk = typeof import("@clawdentity/sdk");
type CrlClaims = import("@clawdentity/protocol").CrlClaims;
type RegistryKeysDocument = import("@clawdentity/protocol").RegistryKeysDocument;

const TWENTY_YEARS_SECONDS = 20 * 365 * 86_400;

/**
 * The vitest config is bundled for plain Node, which cannot load the workspace's TypeScript
 * packages by itself; tsx loads the sdk for it.
 */
let sdk: Promise<Sdk> | undefined;
const loadSdk = (): Promise<Sdk> => {
  sdk ??= tsImport("@clawdentity/sdk", import.meta.url) as Promise<Sdk>;
  return sdk;
};

/**
 * A registry for the proxy's tests and benchmark, given to the `REGISTRY` service binding: it
 * publishes the test keys and a CRL signed with the test key (both through the sdk), counts
 * fetches, and takes revocations from tests.
 */
export function createRegistryStub(): (request: Request) => Promise<Response> {
  const revocations: CrlClaims["revocations"] = [];
  const stats = { keys: 0, crl: 0, proxyKeys: 0, resolves: 0 };
  const proxies = new Map<string, { kid: string; origin: string; publicKey: string; status: string }>();
  const homes = new Map<string, { origin: string; kid: string } | null>();
  const attestations: { headers: Record<string, string>; body: unknown }[] = [];
  const feedEvents: unknown[] = [];

  const keysDocument = async (): Promise<RegistryKeysDocument> => {
    const { importEd25519Seed } = await loadSdk();
    const [active, retired] = await Promise.all([
      importEd25519Seed(TEST_REGISTRY_SEED),
      importEd25519Seed(TEST_RETIRED_SEED),
    ]);
    return {
      keys: [
        { kid: TEST_REGISTRY_KID, alg: "EdDSA", crv: "Ed25519", x: active.publicKey, status: "active" },
        { kid: TEST_RETIRED_KID, alg: "EdDSA", crv: "Ed25519", x: retired.publicKey, status: "revoked" },
      ],
    };
  };

  const signedCrl = async (): Promise<string> => {
    const { createUlid, importEd25519Seed, signCrl } = await loadSdk();
    const iat = Math.floor(Date.now() / 1000);
    const claims: CrlClaims = {
      iss: TEST_REGISTRY_URL,
      jti: createUlid(),
      iat,
      exp: iat + TWENTY_YEARS_SECONDS,
      revocations,
    };
    return signCrl({
      claims,
      kid: TEST_REGISTRY_KID,
      privateKey: (await importEd25519Seed(TEST_REGISTRY_SEED)).privateKey,
    });
  };

  return async function handleRegistryRequest(request) {
    const url = new URL(request.url);
    if (url.pathname === "/.well-known/claw-keys.json") {
      stats.keys++;
      return Response.json(await keysDocument());
    }
    if (url.pathname === "/v1/crl") {
      stats.crl++;
      return Response.json({ crl: await signedCrl() });
    }
    if (url.pathname === TEST_REGISTRY_CONTROL.revoke && request.method === "POST") {
      revocations.push((await request.json()) as CrlClaims["revocations"][number]);
      return new Response(null, { status: 204 });
    }
    if (url.pathname === TEST_REGISTRY_CONTROL.stats) return Response.json(stats);
    if (url.pathname === TEST_REGISTRY_CONTROL.proxies && request.method === "PUT") {
      const proxy = (await request.json()) as { kid: string; origin: string; publicKey: string; status: string };
      proxies.set(proxy.kid, proxy);
      return new Response(null, { status: 204 });
    }
    if (url.pathname === TEST_REGISTRY_CONTROL.homes && request.method === "PUT") {
      const { agentDid, homeProxy } = (await request.json()) as { agentDid: string; homeProxy: null };
      homes.set(agentDid, homeProxy);
      return new Response(null, { status: 204 });
    }
    if (url.pathname === TEST_REGISTRY_CONTROL.attestations) return Response.json(attestations);
    if (url.pathname === TEST_REGISTRY_CONTROL.events && request.method === "POST") {
      feedEvents.push(await request.json());
      return new Response(null, { status: 204 });
    }
    if (url.pathname === "/v1/events") {
      const { importEd25519Seed, signEventFeed } = await loadSdk();
      const cursor = url.searchParams.get("cursor") ?? "0";
      const page = feedEvents.slice(Number(cursor), Number(cursor) + 2);
      const nextCursor = String(Number(cursor) + page.length);
      const iat = Math.floor(Date.now() / 1000);
      const feed = await signEventFeed({
        claims: {
          iss: TEST_REGISTRY_URL,
          iat,
          exp: iat + TWENTY_YEARS_SECONDS,
          cursor,
          nextCursor,
          hasMore: Number(nextCursor) < feedEvents.length,
          events: page as never,
        },
        kid: TEST_REGISTRY_KID,
        privateKey: (await importEd25519Seed(TEST_REGISTRY_SEED)).privateKey,
      });
      return Response.json({ feed });
    }
    const proxyKid = url.pathname.match(/^\/v1\/proxies\/([A-Za-z0-9_-]{43})$/)?.[1];
    if (proxyKid && request.method === "GET") {
      stats.proxyKeys++;
      const proxy = proxies.get(proxyKid);
      if (!proxy) return Response.json({ error: { code: "REGISTRY_PROXY_NOT_FOUND" } }, { status: 404 });
      return Response.json({ proxy: { ...proxy, createdAt: new Date(0).toISOString(), revokedAt: null } });
    }
    if (url.pathname === "/v1/proxies/home" && request.method === "POST") {
      const headers: Record<string, string> = {};
      request.headers.forEach((value, name) => {
        headers[name] = value;
      });
      attestations.push({ headers, body: await request.json() });
      return Response.json({ homeProxy: null, changed: true });
    }
    const resolved = url.pathname.match(/^\/v1\/resolve\/(.+)$/)?.[1];
    if (resolved) {
      stats.resolves++;
      const agentDid = decodeURIComponent(resolved);
      if (!homes.has(agentDid)) return Response.json({ error: { code: "REGISTRY_AGENT_NOT_FOUND" } }, { status: 404 });
      return Response.json({
        agent: {
          did: agentDid,
          ownerDid: agentDid.replace(":agent:", ":human:"),
          name: "remote",
          framework: "test",
          publicKey: "A".repeat(43),
          status: "active",
          createdAt: new Date(0).toISOString(),
          revokedAt: null,
          homeProxy: homes.get(agentDid),
        },
      });
    }
    return new Response("not found", { status: 404 });
  };
}
