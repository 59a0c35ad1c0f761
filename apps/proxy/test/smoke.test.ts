import { createExecutionContext } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { healthResponseSchema } from "@clawdentity/protocol";
import { describe, expect, it } from "vitest";
import { createRegistryFetch } from "../src/auth";
import worker from "../src/worker";
import { expectError } from "./support/expect-error";
import { createTestAgent } from "./support/test-agents";
import { createTestProxy } from "./support/test-proxy";

describe("smoke", () => {
  it("answers health through the worker entry", async () => {
    const response = await exports.default.fetch("https://proxy.test/health");
    expect(response.status).toBe(200);
    expect(healthResponseSchema.parse(await response.json())).toEqual({
      status: "ok",
      version: "0.1.0",
      environment: "local",
      ready: true,
    });
    expect(response.headers.get("x-request-id")).toBeTruthy();
  });

  it("refuses every request with 503 PROXY_MISCONFIGURED when a deployed config is incomplete", async () => {
    // A production env with the development registry URL and no deployed secrets.
    const broken = { ...env, ENVIRONMENT: "production" } as Env;
    const response = await worker.fetch(new Request("https://proxy.test/health"), broken, createExecutionContext());
    await expectError(response, 503, "PROXY_MISCONFIGURED");
  });

  it("calls the registry with the service token, so its fetches are not counted as a public client", async () => {
    const seen: Array<string | null> = [];
    const registry = {
      fetch: async (_input: RequestInfo | URL, init?: RequestInit) => {
        seen.push(new Headers(init?.headers).get("x-clawdentity-service-token"));
        return new Response("{}");
      },
    } as unknown as Fetcher;
    const token = "t".repeat(32);
    const fetchRegistry = createRegistryFetch({ ...env, REGISTRY: registry } as Env, {
      registryUrl: "https://registry.clawdentity.net",
      registryServiceToken: token,
    });
    await fetchRegistry("/v1/crl");
    await fetchRegistry("/.well-known/claw-keys.json");
    expect(seen).toEqual([token, token]);
  });

  it("answers an unknown route with the error envelope", async () => {
    await expectError(await exports.default.fetch("https://proxy.test/v1/nothing-here"), 404, "PROXY_NOT_FOUND");
  });

  it("relays a message to a connected agent", async () => {
    const proxy = createTestProxy();
    const alice = await createTestAgent(proxy.clock);
    const bob = await createTestAgent(proxy.clock);
    await proxy.pair(alice, bob);
    const socket = await proxy.connect(bob, 2);
    socket.send({ type: "hello" });
    expect(await socket.next("hello_ack")).toMatchObject({ queuedCount: 0, expiredCount: 0 });
    const response = await proxy.sendMessage(alice, bob.did, { hello: "bob" });
    expect(response.status).toBe(202);
    const deliver = await socket.next("deliver");
    expect(deliver.payload).toEqual({ hello: "bob" });
    socket.close();
  });
});
