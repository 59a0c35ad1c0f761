import { exports } from "cloudflare:workers";
import { healthResponseSchema } from "@clawdentity/protocol";
import { describe, expect, it } from "vitest";
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
