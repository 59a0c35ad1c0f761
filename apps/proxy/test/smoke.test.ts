import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createTestAgent } from "./support/test-agents";
import { createTestProxy } from "./support/test-proxy";

describe("smoke", () => {
  it("answers health through the worker entry", async () => {
    const response = await exports.default.fetch("https://proxy.test/health");
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: "ok", environment: "local", ready: true });
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
