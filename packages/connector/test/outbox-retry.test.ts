import { describe, expect, it, vi } from "vitest";
import type { ConnectorTuning } from "../src";
import { accept202, type Responder, settle, useConnectorRig } from "./helpers";

const rig = useConnectorRig();

async function setup(responder: Responder, tuning: Partial<ConnectorTuning> = {}) {
  await rig.setup({ tuning });
  rig.proxy.respondMessages(responder);
}

const send = async (payload: unknown = { hi: 1 }) => {
  const response = await rig.node.api("POST", "/v1/outbound", { body: { toAgentDid: rig.ids.peer.agentDid, payload } });
  expect(response.status).toBe(202);
  return response.json.messageId as string;
};
const row = (messageId: string) => {
  const found = rig.node.started.storage.outbox.get(messageId);
  if (!found) throw new Error(`no outbox row ${messageId}`);
  return found;
};
/** Lets the worker scan a few times (maxIdleMs is 25 ms) before asserting nothing happened. */
const error = (status: number, code: string) => ({ status, body: { error: { code, message: code, requestId: "x" } } });

describe("outbox worker", () => {
  it("honours Retry-After on 429 and holds back every other message meanwhile", async () => {
    let calls = 0;
    await setup((request) => (++calls === 1 ? { status: 429, headers: { "retry-after": "120" } } : accept202(request)));
    const t0 = rig.node.clock.nowMs();
    const first = await send();
    await vi.waitFor(() => expect(row(first).attempts).toBe(1));
    expect(row(first).nextAttemptAt).toBe(t0 + 120_000);
    expect((await rig.node.api("GET", "/v1/status")).json.relayPausedUntil).toBe(new Date(t0 + 120_000).toISOString());

    const second = await send();
    rig.node.advance(119_000);
    await settle();
    expect(rig.proxy.messages).toHaveLength(1);
    expect(row(second).status).toBe("queued");

    rig.node.advance(1_000);
    await vi.waitFor(() => expect([row(first).status, row(second).status]).toEqual(["relayed", "relayed"]));
    const sentIds = rig.proxy.messages.map((request) => request.headers.get("x-claw-message-id"));
    expect(sentIds.filter((id) => id === first)).toHaveLength(2);
    expect(sentIds.filter((id) => id === second)).toHaveLength(1);
  });

  it("backs off 1 s, 2 s, 4 s on 5xx and network errors, then relays", async () => {
    let calls = 0;
    await setup((request) => {
      calls += 1;
      if (calls === 1) return error(503, "PROXY_INTERNAL");
      if (calls === 2) return "drop";
      if (calls === 3) return { status: 500 };
      return accept202(request);
    });
    const messageId = await send();
    const t0 = rig.node.clock.nowMs();
    await vi.waitFor(() => expect(row(messageId).attempts).toBe(1));
    expect(row(messageId).nextAttemptAt).toBe(t0 + 1_000);
    expect(row(messageId).lastError).toContain("HTTP 503 PROXY_INTERNAL");

    rig.node.advance(1_000);
    await vi.waitFor(() => expect(row(messageId).attempts).toBe(2));
    expect(row(messageId).nextAttemptAt).toBe(t0 + 1_000 + 2_000);
    expect(row(messageId).lastError).toContain("network error");

    rig.node.advance(2_000);
    await vi.waitFor(() => expect(row(messageId).attempts).toBe(3));
    expect(row(messageId).nextAttemptAt).toBe(t0 + 3_000 + 4_000);

    rig.node.advance(4_000);
    await vi.waitFor(() => expect(row(messageId).status).toBe("relayed"));
    expect(row(messageId).attempts).toBe(4);
    expect(new Set(rig.proxy.messages.map((request) => request.headers.get("x-claw-message-id")))).toEqual(
      new Set([messageId]),
    );
  });

  it("never lets a message overtake an earlier one of its conversation, even while that one retries", async () => {
    let failed = false;
    await setup((request) => {
      if (!failed) {
        failed = true;
        return { status: 503 };
      }
      return accept202(request);
    });
    const body = (n: number, conversationId?: string) => ({
      toAgentDid: rig.ids.peer.agentDid,
      payload: { n },
      ...(conversationId ? { conversationId } : {}),
    });
    const first = (await rig.node.api("POST", "/v1/outbound", { body: body(1, "conv-1") })).json.messageId;
    await vi.waitFor(() => expect(row(first).attempts).toBe(1));
    const second = (await rig.node.api("POST", "/v1/outbound", { body: body(2, "conv-1") })).json.messageId;
    const other = (await rig.node.api("POST", "/v1/outbound", { body: body(3) })).json.messageId;
    await vi.waitFor(() => expect(row(other).status).toBe("relayed"));
    await settle();
    expect(row(second)).toMatchObject({ status: "queued", attempts: 0 });

    rig.node.advance(1_000);
    await vi.waitFor(() => expect(row(second).status).toBe("relayed"));
    const order = rig.proxy.messages.map((request) => request.headers.get("x-claw-message-id"));
    expect(order).toEqual([first, other, first, second]);
  });

  it("treats a proxy that does not answer in time as a transient failure", async () => {
    await setup(() => "hold", { relayRequestTimeoutMs: 300 });
    const messageId = await send();
    await vi.waitFor(() => expect(row(messageId).attempts).toBe(1));
    expect(row(messageId).status).toBe("queued");
    expect(row(messageId).lastError).toContain("no answer within 300 ms");
  });

  it("retries critical messages every base interval instead of backing off", async () => {
    await setup(() => error(503, "PROXY_INTERNAL"));
    const response = await rig.node.api("POST", "/v1/outbound", {
      body: { toAgentDid: rig.ids.peer.agentDid, payload: 1, priority: "critical" },
    });
    const messageId = response.json.messageId;
    for (let attempt = 1; attempt <= 3; attempt++) {
      await vi.waitFor(() => expect(row(messageId).attempts).toBe(attempt));
      expect(row(messageId).nextAttemptAt).toBe(rig.node.clock.nowMs() + 1_000);
      rig.node.advance(1_000);
    }
  });

  it("dead-letters at the TTL and tells the runtime", async () => {
    await setup(() => error(503, "PROXY_INTERNAL"), { outboxTtlMs: 10_000 });
    const messageId = await send();
    await vi.waitFor(() => expect(row(messageId).attempts).toBe(1));
    rig.node.advance(10_000);
    await vi.waitFor(() => expect(row(messageId).status).toBe("dead_lettered"));
    expect(row(messageId).deadLetterReason).toBe("expired");
    await vi.waitFor(() => expect(rig.webhook.receipts()).toHaveLength(1));
    expect(rig.webhook.receipts()[0]?.body).toEqual({
      type: "clawdentity.receipt.v1",
      messageId,
      correlationId: messageId,
      toAgentDid: rig.ids.peer.agentDid,
      status: "dead_lettered",
      reason: "expired",
      at: new Date(rig.node.clock.nowMs()).toISOString(),
    });
    const status = await rig.node.api("GET", `/v1/outbound/${messageId}`);
    expect(status.json).toMatchObject({ status: "dead_lettered", deadLetterReason: "expired" });
  });

  it("dead-letters permanent refusals at once with the matching reason", async () => {
    const answers = [
      error(403, "PROXY_SENDER_NOT_TRUSTED"),
      error(404, "PROXY_RECIPIENT_NOT_FOUND"),
      error(413, "PROXY_PAYLOAD_TOO_LARGE"),
      error(400, "PROXY_VALIDATION_FAILED"),
      error(410, "PROXY_RECIPIENT_REVOKED"),
    ];
    // `PROXY_AUTH_AGENT_REVOKED` (`sender_revoked`) halts the whole identity: identity-halt.test.ts.
    const expected = ["untrusted", "recipient_not_found", "payload_too_large", "invalid_request", "recipient_revoked"];
    const byMessage = new Map<string, (typeof answers)[number]>();
    await setup((request) => byMessage.get(request.headers.get("x-claw-message-id") ?? "") ?? { status: 500 });
    const ids_: string[] = [];
    for (const answer of answers) {
      const messageId = await send();
      byMessage.set(messageId, answer);
      ids_.push(messageId);
    }
    await vi.waitFor(() => expect(ids_.map((id) => row(id).status)).toEqual(ids_.map(() => "dead_lettered")));
    expect(ids_.map((id) => row(id).deadLetterReason)).toEqual(expected);
    expect(ids_.map((id) => row(id).attempts)).toEqual(ids_.map(() => 1));
    await vi.waitFor(() => expect(rig.webhook.receipts()).toHaveLength(answers.length));
    const reasons = rig.webhook.receipts().map((call) => call.body.reason);
    expect(reasons.sort()).toEqual([...expected].sort());
  });

  it("keeps retrying a 401 that is not a revocation (clock skew, nonce clash)", async () => {
    await setup(() => error(401, "PROXY_AUTH_TIMESTAMP_SKEW"));
    const messageId = await send();
    await vi.waitFor(() => expect(row(messageId).attempts).toBe(1));
    expect(row(messageId).status).toBe("queued");
    expect((await rig.node.api("GET", "/v1/status")).json.circuits.proxy.consecutiveFailures).toBe(0);
  });
});
