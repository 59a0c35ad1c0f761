import { RELAY_MAX_PAYLOAD_BYTES } from "@clawdentity/protocol";
import { decodeAitClaims, verifyMessageProof } from "@clawdentity/sdk";
import { describe, expect, it, vi } from "vitest";
import { useConnectorRig } from "./helpers";

const rig = useConnectorRig();

const setup = () => rig.setup();

describe("POST /v1/outbound", () => {
  it("queues, answers 202 and relays the message signed with every PROTOCOL.md header", async () => {
    await setup();
    const traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    const sent = await rig.node.api("POST", "/v1/outbound", {
      body: {
        toAgentDid: rig.ids.peer.agentDid,
        payload: { text: "hello" },
        conversationId: "conv-1",
        replyTo: "01JGQ8Z9ZQ0000000000000000",
        priority: "critical",
        correlationId: "corr-42",
      },
      headers: { traceparent },
    });
    expect(sent.status).toBe(202);
    expect(sent.json).toEqual({ messageId: expect.any(String), correlationId: "corr-42", status: "queued" });
    expect(sent.headers.get("x-request-id")).toBeTruthy();
    const { messageId } = sent.json;

    await vi.waitFor(() => expect(rig.proxy.messages).toHaveLength(1));
    const relayed = rig.proxy.messages[0];
    expect(rig.proxy.authFailures).toEqual([]);
    expect(rig.proxy.contractFailures).toEqual([]);
    expect(relayed?.agentDid).toBe(rig.ids.agent.agentDid);
    expect(relayed?.json).toEqual({ text: "hello" });
    expect(Object.fromEntries(relayed?.headers ?? [])).toMatchObject({
      "x-claw-recipient-agent-did": rig.ids.peer.agentDid,
      "x-claw-message-id": messageId,
      "x-claw-correlation-id": "corr-42",
      "x-claw-priority": "critical",
      "x-claw-conversation-id": "conv-1",
      "x-claw-reply-to": "01JGQ8Z9ZQ0000000000000000",
      traceparent,
    });
    // The message proof (PROTOCOL.md §11.4) a recipient on another proxy verifies end to end.
    const headers = relayed?.headers ?? new Headers();
    const claims = decodeAitClaims(headers.get("authorization")?.split(" ")[1] ?? "");
    const proof = {
      senderDid: rig.ids.agent.agentDid,
      recipientDid: rig.ids.peer.agentDid,
      messageId,
      timestamp: headers.get("x-claw-timestamp") ?? "",
      bodyHash: headers.get("x-claw-body-sha256") ?? "",
      proof: headers.get("x-claw-message-proof") ?? "",
      publicKey: claims?.cnf.jwk.x ?? "",
    };
    expect(await verifyMessageProof(proof)).toBe(true);
    expect(await verifyMessageProof({ ...proof, recipientDid: rig.ids.agent.agentDid })).toBe(false);

    await vi.waitFor(async () =>
      expect((await rig.node.api("GET", `/v1/outbound/${messageId}`)).json.status).toBe("relayed"),
    );
    const status = await rig.node.api("GET", `/v1/outbound/${messageId}`);
    expect(status.json).toMatchObject({ messageId, correlationId: "corr-42", attempts: 1, receipts: [] });
  });

  it("defaults correlationId to the messageId and priority to normal, and drops a malformed traceparent", async () => {
    await setup();
    const sent = await rig.node.api("POST", "/v1/outbound", {
      body: { toAgentDid: rig.ids.peer.agentDid, payload: "plain" },
      headers: { traceparent: "not-a-trace" },
    });
    expect(sent.json.correlationId).toBe(sent.json.messageId);
    await vi.waitFor(() => expect(rig.proxy.messages).toHaveLength(1));
    expect(rig.proxy.messages[0]?.headers.get("x-claw-priority")).toBe("normal");
    expect(rig.proxy.messages[0]?.headers.get("traceparent")).toBeNull();
  });

  it("returns the same messageId for a reused Idempotency-Key and sends once", async () => {
    await setup();
    const body = { toAgentDid: rig.ids.peer.agentDid, payload: { n: 1, m: 2 } };
    const first = await rig.node.api("POST", "/v1/outbound", { body, headers: { "idempotency-key": "order-7" } });
    // Same request with keys in another order is the same request.
    const again = await rig.node.api("POST", "/v1/outbound", {
      body: { payload: { m: 2, n: 1 }, toAgentDid: rig.ids.peer.agentDid },
      headers: { "idempotency-key": "order-7" },
    });
    expect(first.status).toBe(202);
    expect(again.status).toBe(202);
    expect(again.json).toEqual(first.json);
    await vi.waitFor(async () =>
      expect((await rig.node.api("GET", `/v1/outbound/${first.json.messageId}`)).json.status).toBe("relayed"),
    );
    const third = await rig.node.api("POST", "/v1/outbound", { body, headers: { "idempotency-key": "order-7" } });
    expect(third.json.messageId).toBe(first.json.messageId);
    expect(rig.proxy.messages).toHaveLength(1);

    const conflict = await rig.node.api("POST", "/v1/outbound", {
      body: { ...body, payload: { n: 2 } },
      headers: { "idempotency-key": "order-7" },
    });
    expect(conflict.status).toBe(409);
    expect(conflict.json.error.code).toBe("CONNECTOR_IDEMPOTENCY_CONFLICT");
    expect(rig.node.started.storage.outbox.countByStatus().relayed).toBe(1);
  });

  it("refuses requests without the bearer token", async () => {
    await setup();
    const missing = await fetch(`${rig.node.started.localApiUrl}/v1/status`);
    expect(missing.status).toBe(401);
    expect(missing.headers.get("www-authenticate")).toContain("Bearer");
    expect((await missing.json()).error.code).toBe("CONNECTOR_UNAUTHORIZED");
    const wrong = await rig.node.api("GET", "/v1/status", { headers: { authorization: `Bearer ${"x".repeat(43)}` } });
    expect(wrong.status).toBe(401);
    const outbound = await rig.node.api("POST", "/v1/outbound", {
      body: { toAgentDid: rig.ids.peer.agentDid, payload: 1 },
      headers: { authorization: "Basic abc" },
    });
    expect(outbound.status).toBe(401);
    expect(rig.node.started.storage.outbox.countByStatus().queued).toBe(0);
  });

  it("answers malformed input with a 4xx code and stores nothing", async () => {
    await setup();
    const cases: Array<[unknown, Record<string, string>, number, string]> = [
      ["{not json", {}, 400, "CONNECTOR_BAD_REQUEST"],
      [{ payload: 1 }, {}, 400, "CONNECTOR_VALIDATION_FAILED"],
      [{ toAgentDid: "did:web:example.com", payload: 1 }, {}, 400, "CONNECTOR_VALIDATION_FAILED"],
      [{ toAgentDid: rig.ids.peer.agentDid }, {}, 400, "CONNECTOR_VALIDATION_FAILED"],
      [{ toAgentDid: rig.ids.peer.agentDid, payload: 1, priority: "urgent" }, {}, 400, "CONNECTOR_VALIDATION_FAILED"],
      [
        { toAgentDid: rig.ids.peer.agentDid, payload: 1 },
        { "idempotency-key": "k".repeat(201) },
        400,
        "CONNECTOR_VALIDATION_FAILED",
      ],
      [
        { toAgentDid: rig.ids.peer.agentDid, payload: "x".repeat(RELAY_MAX_PAYLOAD_BYTES) },
        {},
        413,
        "CONNECTOR_PAYLOAD_TOO_LARGE",
      ],
      ["x".repeat(RELAY_MAX_PAYLOAD_BYTES + 20_000), {}, 413, "CONNECTOR_PAYLOAD_TOO_LARGE"],
    ];
    for (const [body, headers, status, code] of cases) {
      const response = await rig.node.api("POST", "/v1/outbound", { body, headers });
      expect({ status: response.status, code: response.json?.error?.code }).toEqual({ status, code });
    }
    expect(rig.node.started.storage.outbox.countByStatus().queued).toBe(0);
    expect(rig.proxy.messages).toHaveLength(0);
  });

  it("answers 404 for an unknown message and 400 for a malformed id", async () => {
    await setup();
    const unknown = await rig.node.api("GET", "/v1/outbound/01JGQ8Z9ZQ0000000000000000");
    expect(unknown.status).toBe(404);
    expect(unknown.json.error.code).toBe("CONNECTOR_MESSAGE_NOT_FOUND");
    const malformed = await rig.node.api("GET", "/v1/outbound/not-an-id");
    expect(malformed.status).toBe(400);
    const route = await rig.node.api("GET", "/v1/nothing-here");
    expect(route.status).toBe(404);
    expect(route.json.error.code).toBe("CONNECTOR_NOT_FOUND");
  });
});
