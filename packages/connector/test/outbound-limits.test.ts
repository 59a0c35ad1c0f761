import { JSON_STRUCTURE_LIMITS } from "@clawdentity/protocol";
import { describe, expect, it, vi } from "vitest";
import { manyValuesJson, nestedJson, settle, useConnectorRig } from "./helpers";

const rig = useConnectorRig();

const { maxDepth, maxValues } = JSON_STRUCTURE_LIMITS;

const outboundBody = (payloadText: string, extra = "") =>
  `{"toAgentDid":"${rig.ids.peer.agentDid}","payload":${payloadText}${extra}}`;

describe("payload structure limits at the local API", () => {
  it("answers 400 CONNECTOR_PAYLOAD_TOO_COMPLEX for a 10,000-level payload and stores nothing", async () => {
    await rig.setup();
    const body = outboundBody(nestedJson(10_000));
    expect(body.length).toBeGreaterThan(20_000);
    const response = await rig.node.api("POST", "/v1/outbound", { body, headers: { "idempotency-key": "deep-1" } });
    expect(response.status).toBe(400);
    expect(response.json.error).toMatchObject({
      code: "CONNECTOR_PAYLOAD_TOO_COMPLEX",
      details: { limit: "depth", maxDepth, maxValues },
    });
    await settle();
    expect(rig.node.started.storage.outbox.countByStatus()).toMatchObject({ queued: 0, relayed: 0 });
    expect(rig.proxy.messages).toHaveLength(0);
    // The key was not consumed by the refused request.
    const retry = await rig.node.api("POST", "/v1/outbound", {
      body: outboundBody("1"),
      headers: { "idempotency-key": "deep-1" },
    });
    expect(retry.status).toBe(202);
  });

  it("takes a payload at the limits, even with every envelope field, and refuses one level or one value past them", async () => {
    await rig.setup();
    const envelope = ',"conversationId":"c-1","replyTo":"r-1","priority":"low","correlationId":"corr-1"';
    for (const payload of [nestedJson(maxDepth), manyValuesJson(maxValues)]) {
      const response = await rig.node.api("POST", "/v1/outbound", { body: outboundBody(payload, envelope) });
      expect(response.status).toBe(202);
    }
    await vi.waitFor(() => expect(rig.proxy.messages).toHaveLength(2));
    expect(rig.proxy.messages.map((message) => message.body)).toEqual([
      nestedJson(maxDepth),
      manyValuesJson(maxValues),
    ]);

    const refused: Array<[string, string]> = [
      [nestedJson(maxDepth + 1), "depth"],
      [manyValuesJson(maxValues + 1), "values"],
    ];
    for (const [payload, limit] of refused) {
      const response = await rig.node.api("POST", "/v1/outbound", { body: outboundBody(payload, envelope) });
      expect({
        status: response.status,
        code: response.json.error.code,
        limit: response.json.error.details.limit,
      }).toEqual({ status: 400, code: "CONNECTOR_PAYLOAD_TOO_COMPLEX", limit });
    }
    await settle();
    expect(rig.proxy.messages).toHaveLength(2);
    expect(rig.node.started.storage.outbox.countByStatus().relayed).toBe(2);
  });

  it("refuses, in process, a payload too deep to serialize or past the limits, with the same code", async () => {
    await rig.setup();
    let deep: object | number = 1;
    for (let level = 0; level < 100_000; level++) deep = [deep];
    let justPast: object | number = 1;
    for (let level = 0; level <= maxDepth; level++) justPast = { a: justPast };
    for (const payload of [deep, justPast]) {
      await expect(
        rig.node.started.outbound.submit({ request: { toAgentDid: rig.ids.peer.agentDid, payload } }),
      ).rejects.toThrow(expect.objectContaining({ code: "CONNECTOR_PAYLOAD_TOO_COMPLEX", status: 400 }));
    }
    expect(rig.node.started.storage.outbox.countByStatus().queued).toBe(0);
  });

  it("answers 400 CONNECTOR_BAD_REQUEST for a body that is not UTF-8, instead of storing replacement characters", async () => {
    await rig.setup();
    const prefix = new TextEncoder().encode(`{"toAgentDid":"${rig.ids.peer.agentDid}","payload":"`);
    const body = new Uint8Array([...prefix, 0xff, 0xfe, 0x22, 0x7d]);
    const response = await rig.node.api("POST", "/v1/outbound", { body });
    expect({ status: response.status, code: response.json?.error?.code }).toEqual({
      status: 400,
      code: "CONNECTOR_BAD_REQUEST",
    });
    expect(rig.node.started.storage.outbox.countByStatus().queued).toBe(0);
  });

  it("refuses a chunked body past the size limit with 413", async () => {
    await rig.setup();
    const chunk = new TextEncoder().encode("x".repeat(64 * 1024));
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        sent += 1;
        if (sent > 100) controller.close();
        else controller.enqueue(chunk);
      },
    });
    const response = await fetch(`${rig.node.started.localApiUrl}/v1/outbound`, {
      method: "POST",
      headers: { authorization: `Bearer ${rig.node.token}`, "content-type": "application/json" },
      body,
      duplex: "half",
    } as RequestInit);
    expect(response.status).toBe(413);
    expect((await response.json()).error.code).toBe("CONNECTOR_PAYLOAD_TOO_LARGE");
    expect(rig.node.started.storage.outbox.countByStatus().queued).toBe(0);
  });
});
