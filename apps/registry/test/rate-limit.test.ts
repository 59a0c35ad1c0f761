import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { RATE_LIMIT_BUCKETS, type RateLimitBucket, type RegistryConfig } from "../src/config";
import { createManualClock, createTestRegistry, TEST_BOOTSTRAP_SECRET } from "./helpers";

const windowStart = Math.floor(Date.now() / 60_000) * 60_000;

function limitsOf(limit: number): RegistryConfig["rateLimits"] {
  return Object.fromEntries(
    RATE_LIMIT_BUCKETS.map((bucket) => [bucket, { limit, windowSeconds: 60 }]),
  ) as RegistryConfig["rateLimits"];
}

const ROUTES: Record<
  RateLimitBucket,
  { method: string; path: string; body?: unknown; headers?: Record<string, string> }
> = {
  resolve: { method: "GET", path: "/v1/resolve/01ARZ3NDEKTSV4RRFFQ69G5FAV" },
  crl: { method: "GET", path: "/v1/crl" },
  challenge: { method: "POST", path: "/v1/agents/challenge", body: { publicKey: "A".repeat(43) } },
  redeem: { method: "POST", path: "/v1/invites/redeem", body: { code: "nope" } },
  bootstrap: { method: "POST", path: "/v1/admin/bootstrap", headers: { "x-bootstrap-secret": "wrong" } },
  renew: { method: "POST", path: "/v1/agents/renew" },
  proxies: { method: "GET", path: `/v1/proxies/${"k".repeat(43)}` },
  events: { method: "GET", path: "/v1/events" },
};

describe("rate limits on public routes", () => {
  it("counts one client across instances and answers 429 with Retry-After", async () => {
    const clock = createManualClock(windowStart + 15_000);
    const first = createTestRegistry({ clock, config: { rateLimits: limitsOf(3) } });
    const second = createTestRegistry({ clock, config: { rateLimits: limitsOf(3) } });
    const client = { "cf-connecting-ip": "203.0.113.7" };
    const statuses = [];
    for (const registry of [first, second, first]) {
      statuses.push((await registry.call("GET", "/v1/crl", { headers: client })).status);
    }
    expect(statuses).toEqual([200, 200, 200]);

    const refused = await second.call("GET", "/v1/crl", { headers: client });
    expect(refused.status).toBe(429);
    expect(refused.headers.get("retry-after")).toBe("45");
    expect(refused.body).toMatchObject({
      error: { code: "REGISTRY_RATE_LIMITED", details: { bucket: "crl", limit: 3, windowSeconds: 60 } },
    });

    // Other clients and other buckets are counted separately.
    expect((await first.call("GET", "/v1/crl", { headers: { "cf-connecting-ip": "203.0.113.8" } })).status).toBe(200);
    expect((await first.call("GET", "/.well-known/claw-keys.json", { headers: client })).status).toBe(200);

    clock.advance(45_000);
    expect((await first.call("GET", "/v1/crl", { headers: client })).status).toBe(200);
  });

  it("does not count proxies presenting the service token against a public client; a wrong token is a public client", async () => {
    const token = "t".repeat(32);
    const registry = createTestRegistry({
      clock: createManualClock(windowStart),
      config: { rateLimits: limitsOf(1), serviceToken: token },
    });
    // Many proxy instances behind one service binding: no client address, so one shared public bucket.
    for (let index = 0; index < 5; index++) {
      const fetched = await registry.call("GET", "/v1/crl", { headers: { "x-clawdentity-service-token": token } });
      expect(fetched.status, `service fetch ${index}`).toBe(200);
    }
    const wrong = { "x-clawdentity-service-token": "w".repeat(32) };
    expect((await registry.call("GET", "/v1/crl", { headers: wrong })).status).toBe(200);
    expect((await registry.call("GET", "/v1/crl", { headers: wrong })).status).toBe(429);
    expect((await registry.call("GET", "/v1/crl")).status).toBe(429);
  });

  it("guards every public route: resolve, CRL, challenge, redeem, bootstrap and renew", async () => {
    const registry = createTestRegistry({ clock: createManualClock(windowStart), config: { rateLimits: limitsOf(1) } });
    for (const bucket of RATE_LIMIT_BUCKETS) {
      const { method, path, body, headers } = ROUTES[bucket];
      const init = { body, headers: { ...headers, "cf-connecting-ip": `198.51.100.${bucket.length}` } };
      const allowed = await registry.call(method, path, init);
      expect(allowed.status, bucket).not.toBe(429);
      const refused = await registry.call(method, path, init);
      expect(refused.status, bucket).toBe(429);
      expect(refused.body).toMatchObject({ error: { code: "REGISTRY_RATE_LIMITED", details: { bucket } } });
    }
    // The bootstrap limit holds even for the right secret.
    const right = await registry.call("POST", "/v1/admin/bootstrap", {
      headers: { "x-bootstrap-secret": TEST_BOOTSTRAP_SECRET, "cf-connecting-ip": "198.51.100.9" },
    });
    expect(right.status).toBe(429);
  });

  it("forgets an idle client once its alarm fires", async () => {
    const stub = env.RATE_LIMITER.get(env.RATE_LIMITER.idFromName("crl:192.0.2.1"));
    const nowMs = windowStart + 1_000;
    expect(await stub.hit({ limit: 2, windowMs: 60_000, nowMs })).toMatchObject({ allowed: true, remaining: 1 });
    expect(await stub.hit({ limit: 2, windowMs: 60_000, nowMs })).toMatchObject({ allowed: true, remaining: 0 });
    expect(await stub.hit({ limit: 2, windowMs: 60_000, nowMs })).toMatchObject({
      allowed: false,
      retryAfterSeconds: 59,
    });
    const alarm = await runInDurableObject(stub, (_, state) => state.storage.getAlarm());
    expect(alarm).toBe(windowStart + 120_000);
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect(await stub.hit({ limit: 2, windowMs: 60_000, nowMs })).toMatchObject({ allowed: true, remaining: 1 });
  });
});
