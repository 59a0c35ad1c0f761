import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import type { ConnectorTuning } from "../src";
import {
  accept202,
  createTestIdentities,
  type FakeProxy,
  type FakeWebhook,
  type Responder,
  startFakeProxy,
  startFakeWebhook,
  startTestConnector,
  type TestConnector,
  type TestIdentities,
} from "./helpers";

let ids: TestIdentities;
let proxy: FakeProxy;
let webhook: FakeWebhook;
let node: TestConnector;

beforeAll(async () => {
  ids = await createTestIdentities();
});

async function setup(responder: Responder, tuning: Partial<ConnectorTuning> = {}) {
  proxy = await startFakeProxy({ keys: ids.keys });
  proxy.respondMessages(responder);
  webhook = await startFakeWebhook();
  node = await startTestConnector({ identity: ids.agent, proxyUrl: proxy.url, webhookUrl: webhook.url, tuning });
}

afterEach(async () => {
  await node?.stop();
  await proxy?.close();
  await webhook?.close();
});

const send = async (payload: unknown = { hi: 1 }) => {
  const response = await node.api("POST", "/v1/outbound", { body: { toAgentDid: ids.peer.agentDid, payload } });
  expect(response.status).toBe(202);
  return response.json.messageId as string;
};
const row = (messageId: string) => {
  const found = node.started.storage.outbox.get(messageId);
  if (!found) throw new Error(`no outbox row ${messageId}`);
  return found;
};
/** Lets the worker scan a few times (maxIdleMs is 25 ms) before asserting nothing happened. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 200));
const error = (status: number, code: string) => ({ status, body: { error: { code, message: code, requestId: "x" } } });

describe("outbox worker", () => {
  it("honours Retry-After on 429 and holds back every other message meanwhile", async () => {
    let calls = 0;
    await setup((request) => (++calls === 1 ? { status: 429, headers: { "retry-after": "120" } } : accept202(request)));
    const t0 = node.clock.now();
    const first = await send();
    await vi.waitFor(() => expect(row(first).attempts).toBe(1));
    expect(row(first).nextAttemptAt).toBe(t0 + 120_000);
    expect((await node.api("GET", "/v1/status")).json.relayPausedUntil).toBe(new Date(t0 + 120_000).toISOString());

    const second = await send();
    node.advance(119_000);
    await settle();
    expect(proxy.messages).toHaveLength(1);
    expect(row(second).status).toBe("queued");

    node.advance(1_000);
    await vi.waitFor(() => expect([row(first).status, row(second).status]).toEqual(["relayed", "relayed"]));
    const sentIds = proxy.messages.map((request) => request.headers.get("x-claw-message-id"));
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
    const t0 = node.clock.now();
    await vi.waitFor(() => expect(row(messageId).attempts).toBe(1));
    expect(row(messageId).nextAttemptAt).toBe(t0 + 1_000);
    expect(row(messageId).lastError).toContain("HTTP 503 PROXY_INTERNAL");

    node.advance(1_000);
    await vi.waitFor(() => expect(row(messageId).attempts).toBe(2));
    expect(row(messageId).nextAttemptAt).toBe(t0 + 1_000 + 2_000);
    expect(row(messageId).lastError).toContain("network error");

    node.advance(2_000);
    await vi.waitFor(() => expect(row(messageId).attempts).toBe(3));
    expect(row(messageId).nextAttemptAt).toBe(t0 + 3_000 + 4_000);

    node.advance(4_000);
    await vi.waitFor(() => expect(row(messageId).status).toBe("relayed"));
    expect(row(messageId).attempts).toBe(4);
    expect(new Set(proxy.messages.map((request) => request.headers.get("x-claw-message-id")))).toEqual(
      new Set([messageId]),
    );
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
    const response = await node.api("POST", "/v1/outbound", {
      body: { toAgentDid: ids.peer.agentDid, payload: 1, priority: "critical" },
    });
    const messageId = response.json.messageId;
    for (let attempt = 1; attempt <= 3; attempt++) {
      await vi.waitFor(() => expect(row(messageId).attempts).toBe(attempt));
      expect(row(messageId).nextAttemptAt).toBe(node.clock.now() + 1_000);
      node.advance(1_000);
    }
  });

  it("dead-letters at the TTL and tells the runtime", async () => {
    await setup(() => error(503, "PROXY_INTERNAL"), { outboxTtlMs: 10_000 });
    const messageId = await send();
    await vi.waitFor(() => expect(row(messageId).attempts).toBe(1));
    node.advance(10_000);
    await vi.waitFor(() => expect(row(messageId).status).toBe("dead_lettered"));
    expect(row(messageId).deadLetterReason).toBe("expired");
    await vi.waitFor(() => expect(webhook.receipts()).toHaveLength(1));
    expect(webhook.receipts()[0]?.body).toEqual({
      type: "clawdentity.receipt.v1",
      messageId,
      correlationId: messageId,
      toAgentDid: ids.peer.agentDid,
      status: "dead_lettered",
      reason: "expired",
      at: new Date(node.clock.now()).toISOString(),
    });
    const status = await node.api("GET", `/v1/outbound/${messageId}`);
    expect(status.json).toMatchObject({ status: "dead_lettered", deadLetterReason: "expired" });
  });

  it("dead-letters permanent refusals at once with the matching reason", async () => {
    const answers = [
      error(403, "PROXY_SENDER_NOT_TRUSTED"),
      error(404, "PROXY_RECIPIENT_NOT_FOUND"),
      error(413, "PROXY_PAYLOAD_TOO_LARGE"),
      error(400, "PROXY_VALIDATION_FAILED"),
      error(401, "PROXY_AUTH_AGENT_REVOKED"),
      error(410, "PROXY_RECIPIENT_REVOKED"),
    ];
    const expected = [
      "untrusted",
      "recipient_not_found",
      "payload_too_large",
      "invalid_request",
      "sender_revoked",
      "recipient_revoked",
    ];
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
    await vi.waitFor(() => expect(webhook.receipts()).toHaveLength(answers.length));
    expect(
      webhook
        .receipts()
        .map((call) => call.body.reason)
        .sort(),
    ).toEqual([...expected].sort());
  });

  it("keeps retrying a 401 that is not a revocation (clock skew, nonce clash)", async () => {
    await setup(() => error(401, "PROXY_AUTH_TIMESTAMP_SKEW"));
    const messageId = await send();
    await vi.waitFor(() => expect(row(messageId).attempts).toBe(1));
    expect(row(messageId).status).toBe("queued");
    expect((await node.api("GET", "/v1/status")).json.circuits.proxy.consecutiveFailures).toBe(0);
  });
});
