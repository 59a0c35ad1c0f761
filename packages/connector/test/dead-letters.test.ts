import { describe, expect, it, vi } from "vitest";
import { accept202, createDeliverFrame, framesOfType, useConnectorRig } from "./helpers";

const rig = useConnectorRig();

const untrusted = { status: 403, body: { error: { code: "PROXY_SENDER_NOT_TRUSTED", message: "no", requestId: "x" } } };

/** One outbound dead letter (proxy 403) and one inbound (webhook 400), a minute apart. */
async function setupWithDeadLetters() {
  await rig.setup();
  rig.proxy.respondMessages(() => untrusted);
  rig.webhook.respond((call) => (call.body.type === "clawdentity.delivery.v1" ? 400 : 200));

  const sent = await rig.node.api("POST", "/v1/outbound", {
    body: { toAgentDid: rig.ids.peer.agentDid, payload: { a: 1 } },
  });
  const outboundId = sent.json.messageId as string;
  await vi.waitFor(() => expect(rig.node.started.storage.outbox.get(outboundId)?.status).toBe("dead_lettered"));
  rig.node.advance(60_000);
  const frame = createDeliverFrame({ from: rig.ids.peer.agentDid, to: rig.ids.agent.agentDid });
  rig.proxy.sendFrame(frame);
  await vi.waitFor(() => expect(rig.node.started.storage.inbox.countByStatus().dead_lettered).toBe(1));
  return { outboundId, inboundId: frame.id, frame };
}

describe("dead letters API", () => {
  it("lists both directions, newest first, with filters", async () => {
    const { outboundId, inboundId } = await setupWithDeadLetters();
    const all = await rig.node.api("GET", "/v1/dead-letters");
    expect(all.status).toBe(200);
    expect(all.json.deadLetters).toEqual([
      expect.objectContaining({
        direction: "inbound",
        messageId: inboundId,
        peerAgentDid: rig.ids.peer.agentDid,
        reason: "webhook_rejected",
        source: "local",
        attempts: 1,
      }),
      expect.objectContaining({
        direction: "outbound",
        messageId: outboundId,
        peerAgentDid: rig.ids.peer.agentDid,
        reason: "untrusted",
        source: "local",
        lastError: expect.stringContaining("PROXY_SENDER_NOT_TRUSTED"),
      }),
    ]);
    const outbound = await rig.node.api("GET", "/v1/dead-letters?direction=outbound");
    expect(outbound.json.deadLetters.map((entry: { messageId: string }) => entry.messageId)).toEqual([outboundId]);
    const old = await rig.node.api("GET", "/v1/dead-letters?olderThan=30s");
    expect(old.json.deadLetters.map((entry: { messageId: string }) => entry.messageId)).toEqual([outboundId]);
    const limited = await rig.node.api("GET", "/v1/dead-letters?limit=1");
    expect(limited.json.deadLetters).toHaveLength(1);
  });

  it("rejects malformed filters with a 400", async () => {
    await setupWithDeadLetters();
    for (const query of ["direction=sideways", "olderThan=yesterday", "limit=0", "peerAgentDid=bob"]) {
      const response = await rig.node.api("GET", `/v1/dead-letters?${query}`);
      expect({ query, status: response.status, code: response.json.error.code }).toEqual({
        query,
        status: 400,
        code: "CONNECTOR_VALIDATION_FAILED",
      });
    }
    expect((await rig.node.api("DELETE", "/v1/dead-letters?olderThan=soon")).status).toBe(400);
    expect((await rig.node.api("POST", "/v1/dead-letters/nope/retry")).status).toBe(400);
  });

  it("retries an outbound dead letter with a fresh budget: it is relayed under the same messageId", async () => {
    const { outboundId } = await setupWithDeadLetters();
    rig.proxy.respondMessages(accept202);
    const retry = await rig.node.api("POST", `/v1/dead-letters/${outboundId}/retry`);
    expect(retry.status).toBe(200);
    expect(retry.json).toEqual({ retried: [{ direction: "outbound", messageId: outboundId }] });
    await vi.waitFor(() => expect(rig.node.started.storage.outbox.get(outboundId)?.status).toBe("relayed"));
    expect(rig.proxy.messages.map((request) => request.headers.get("x-claw-message-id"))).toEqual([
      outboundId,
      outboundId,
    ]);
    expect((await rig.node.api("GET", "/v1/dead-letters")).json.deadLetters).toHaveLength(1);
  });

  it("retries an inbound dead letter: delivered and a delivered receipt follows the dead-lettered one", async () => {
    const { inboundId } = await setupWithDeadLetters();
    rig.webhook.respond(() => 200);
    const retry = await rig.node.api("POST", `/v1/dead-letters/${inboundId}/retry?direction=inbound`);
    expect(retry.json).toEqual({ retried: [{ direction: "inbound", messageId: inboundId }] });
    await vi.waitFor(() => expect(rig.proxy.receipts).toHaveLength(2));
    expect(rig.proxy.receipts.map((request) => (request.json as { status: string }).status)).toEqual([
      "dead_lettered",
      "delivered_to_webhook",
    ]);
    expect(rig.webhook.deliveries().filter((call) => call.body.messageId === inboundId)).toHaveLength(2);
  });

  it("answers 404 for an unknown dead letter", async () => {
    const { outboundId } = await setupWithDeadLetters();
    const unknown = await rig.node.api("POST", "/v1/dead-letters/01JGQ8Z9ZQ0000000000000000/retry");
    expect(unknown.status).toBe(404);
    expect(unknown.json.error.code).toBe("CONNECTOR_DEAD_LETTER_NOT_FOUND");
    const wrongDirection = await rig.node.api("POST", `/v1/dead-letters/${outboundId}/retry?direction=inbound`);
    expect(wrongDirection.status).toBe(404);
  });

  it("purges by age and direction; a purged inbound message is still refused as a duplicate", async () => {
    const { outboundId, frame } = await setupWithDeadLetters();
    const none = await rig.node.api("DELETE", "/v1/dead-letters?olderThan=2m");
    expect(none.json).toEqual({ purged: 0 });
    const older = await rig.node.api("DELETE", "/v1/dead-letters?olderThan=30s");
    expect(older.json).toEqual({ purged: 1 });
    expect(rig.node.started.storage.outbox.get(outboundId)).toBeUndefined();
    const rest = await rig.node.api("DELETE", "/v1/dead-letters?direction=inbound");
    expect(rest.json).toEqual({ purged: 1 });
    expect((await rig.node.api("GET", "/v1/dead-letters")).json.deadLetters).toEqual([]);

    rig.proxy.sendFrame({ ...frame, attempt: 2 });
    await vi.waitFor(() => expect(framesOfType(rig.proxy.frames, "deliver_ack")).toHaveLength(2));
    expect(rig.webhook.deliveries()).toHaveLength(1);
  });
});
