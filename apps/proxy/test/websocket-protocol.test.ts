import { runInDurableObject } from "cloudflare:test";
import { CLAW_HEADERS, RELAY_CLOSE_CODES, RELAY_PATHS } from "@clawdentity/protocol";
import { createUlid } from "@clawdentity/sdk";
import { describe, expect, it } from "vitest";
import { expectError } from "./support/expect-error";
import { createTestAgent } from "./support/test-agents";
import { createPairedAgents } from "./support/test-proxy";

describe("relay WebSocket protocol", () => {
  it("gives a v1 client only v1 fields, without waiting for hello", async () => {
    const { proxy, alice, bob } = await createPairedAgents();
    const socket = await proxy.connect(bob);
    const messageId = createUlid();
    await proxy.sendMessage(alice, bob.did, { n: 1 }, { messageId, correlationId: "corr", conversationId: "conv" });
    const deliver = await socket.next("deliver");
    expect(Object.keys(deliver).sort()).toEqual(
      ["v", "type", "id", "ts", "fromAgentDid", "toAgentDid", "payload", "conversationId"].sort(),
    );
    expect(deliver.id).toBe(messageId);
    socket.close();
  });

  it("negotiates v2 by header and answers it on the upgrade", async () => {
    const { proxy, bob } = await createPairedAgents();
    const request = await proxy.signed(bob, RELAY_PATHS.connect, {
      headers: { upgrade: "websocket", [CLAW_HEADERS.relayProtocol]: "2" },
    });
    const response = await proxy.fetch(request);
    expect(response.status).toBe(101);
    expect(response.headers.get(CLAW_HEADERS.relayProtocol)).toBe("2");
    response.webSocket?.accept();
    response.webSocket?.close(1000);
  });

  it("starts delivering to a v2 client that never says hello after the grace period", async () => {
    const { proxy, alice, bob } = await createPairedAgents();
    const socket = await proxy.connect(bob, 2);
    const messageId = createUlid();
    await proxy.sendMessage(alice, bob.did, "waiting for hello", { messageId });
    await proxy.advance(bob.did, 1_999);
    expect(await proxy.messageStates(bob.did)).toEqual({ [messageId]: { state: "queued", attempts: 0 } });
    await proxy.advance(bob.did, 1);
    expect(await socket.next("deliver")).toMatchObject({ payload: "waiting for hello", attempt: 1 });
    socket.close();
  });

  it("answers a heartbeat with its id", async () => {
    const { proxy, bob } = await createPairedAgents();
    const socket = await proxy.connect(bob);
    const id = createUlid();
    socket.send({ type: "heartbeat", id });
    expect(await socket.next("heartbeat_ack")).toMatchObject({ v: 1, ackId: id });
    socket.close();
  });

  it("closes a v1 connection that sends a v2 frame with the protocol-error code", async () => {
    const { proxy, bob } = await createPairedAgents();
    const socket = await proxy.connect(bob);
    socket.send({ type: "hello" });
    expect((await socket.closed).code).toBe(RELAY_CLOSE_CODES.protocolError);
  });

  it("closes on a frame that does not parse or is not the connector's to send", async () => {
    const { proxy, alice, bob } = await createPairedAgents();
    const garbled = await proxy.connect(bob);
    garbled.ws.send("{not json");
    expect(await garbled.closed).toMatchObject({ code: RELAY_CLOSE_CODES.protocolError, reason: "invalid_frame" });

    const wrongDirection = await proxy.connect(bob);
    wrongDirection.send({ type: "deliver", fromAgentDid: alice.did, toAgentDid: bob.did, payload: {} });
    expect(await wrongDirection.closed).toMatchObject({
      code: RELAY_CLOSE_CODES.protocolError,
      reason: "unexpected_frame",
    });

    // A frame that fails validation is refused with a code; none of its content is echoed back.
    const invalid = await proxy.connect(bob);
    invalid.send({ type: "deliver_ack", ackId: "<script>alert(1)</script>", accepted: "yes" });
    expect(await invalid.closed).toMatchObject({ code: RELAY_CLOSE_CODES.protocolError, reason: "invalid_frame" });

    const binary = await proxy.connect(bob);
    binary.ws.send(new Uint8Array([1, 2, 3]));
    expect(await binary.closed).toMatchObject({ code: RELAY_CLOSE_CODES.protocolError, reason: "binary_frame" });
  });

  it("supersedes an older connection and moves its unacknowledged messages to the new one", async () => {
    const { proxy, alice, bob } = await createPairedAgents();
    const older = await proxy.connect(bob);
    const messageId = createUlid();
    await proxy.sendMessage(alice, bob.did, "in flight", { messageId });
    await older.next("deliver");
    const newer = await proxy.connect(bob);
    expect((await older.closed).code).toBe(RELAY_CLOSE_CODES.superseded);
    expect(await newer.next("deliver")).toMatchObject({ id: messageId });
    newer.ack(messageId, true);
    await newer.sync();
    expect((await proxy.metrics(bob)).delivered).toBe(1);
    newer.close();
  });

  it("closes the agent's sockets with the revoked code when it is revoked", async () => {
    const { proxy, bob } = await createPairedAgents();
    const socket = await proxy.connect(bob);
    const result = await proxy.session(bob.did).revoke({ scope: "agent", reason: "agent_revoked" });
    expect(result).toEqual({ recorded: true, duplicateEvent: false, closedSockets: 1, deadLettered: 0 });
    expect((await socket.closed).code).toBe(RELAY_CLOSE_CODES.revoked);
    await expectError(await proxy.send(bob, RELAY_PATHS.relayMetrics), 401, "PROXY_AUTH_AGENT_REVOKED");
    expect(await proxy.session(bob.did).revoke({ scope: "agent", reason: "agent_revoked" })).toMatchObject({
      recorded: false,
      closedSockets: 0,
    });
  });

  it("closes only the socket opened with a revoked jti", async () => {
    const { proxy, bob } = await createPairedAgents();
    const socket = await proxy.connect(bob);
    const other = await createTestAgent(proxy.clock, { reissueOf: bob });
    const untouched = await proxy.session(bob.did).revoke({ scope: "jti", jti: other.jti, reason: "reissued" });
    expect(untouched.closedSockets).toBe(0);
    const closed = await proxy.session(bob.did).revoke({ scope: "jti", jti: bob.jti, reason: "reissued" });
    expect(closed.closedSockets).toBe(1);
    expect((await socket.closed).code).toBe(RELAY_CLOSE_CODES.revoked);
  });

  it("tags each socket with the jti it connected with", async () => {
    const { proxy, bob } = await createPairedAgents();
    await proxy.connect(bob);
    const tags = await runInDurableObject(proxy.session(bob.did), (_instance, state) =>
      state.getWebSockets().map((ws) => state.getTags(ws)),
    );
    expect(tags).toEqual([[bob.jti]]);
  });

  it("requires a WebSocket upgrade and a signed request", async () => {
    const { proxy, bob } = await createPairedAgents();
    await expectError(await proxy.send(bob, RELAY_PATHS.connect), 426, "PROXY_UPGRADE_REQUIRED");
    const unsigned = new Request(`https://proxy.test${RELAY_PATHS.connect}`, { headers: { upgrade: "websocket" } });
    await expectError(await proxy.fetch(unsigned), 401, "PROXY_AUTH_MISSING_AUTHORIZATION");
  });

  it("gives a v1 socket `replyTo` only when it is a URL (v1 clients drop other frames unacked); v2 gets it as sent", async () => {
    const { proxy, alice, bob } = await createPairedAgents();
    const answered = createUlid();
    const byId = createUlid();
    const byUrl = createUlid();
    await proxy.sendMessage(alice, bob.did, "re: an earlier message", { messageId: byId, replyTo: answered });
    await proxy.sendMessage(alice, bob.did, "re: a thread", { messageId: byUrl, replyTo: "https://example.test/t/1" });

    const v1 = await proxy.connect(bob, 1);
    const [first, second] = await v1.nextMany("deliver", 2);
    expect(first).toMatchObject({ id: byId });
    expect(first).not.toHaveProperty("replyTo");
    expect(second).toMatchObject({ id: byUrl, replyTo: "https://example.test/t/1" });
    v1.close();
    await v1.closed;

    const v2 = await proxy.connect(bob, 2);
    v2.send({ type: "hello" });
    const frames = await v2.nextMany("deliver", 2);
    expect(frames.map((frame) => frame.replyTo)).toEqual([answered, "https://example.test/t/1"]);
    v2.close();
  });
});
