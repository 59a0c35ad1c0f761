import { describe, expect, it, vi } from "vitest";
import type { ConnectorTuning } from "../src";
import { createDeliverFrame, type FakeAnswer, settle, useConnectorRig } from "./helpers";

const rig = useConnectorRig();

const setup = (tuning: Partial<ConnectorTuning> = {}) => rig.setup({ tuning });

const deliver = () => {
  const frame = createDeliverFrame({ from: rig.ids.peer.agentDid, to: rig.ids.agent.agentDid });
  rig.proxy.sendFrame(frame);
  return frame.id;
};
const receiptRow = (messageId: string) => rig.node.started.storage.receiptOutbox.listForMessage(messageId)[0];
const refusal = (status: number, code: string): FakeAnswer => ({
  status,
  body: { error: { code, message: code, requestId: "x" } },
});
const notDelivered = refusal(404, "PROXY_RECEIPT_NOT_DELIVERED");

describe("receipt poster", () => {
  it("keeps a receipt across 404 PROXY_RECEIPT_NOT_DELIVERED and posts it once the proxy takes it", async () => {
    await setup();
    let accept = false;
    rig.proxy.respondReceipts(() => (accept ? { status: 202, body: {} } : notDelivered));
    const messageId = deliver();
    await vi.waitFor(() => expect(receiptRow(messageId)?.attempts).toBe(1));
    expect(receiptRow(messageId)).toMatchObject({
      state: "pending",
      lastError: expect.stringContaining("PROXY_RECEIPT_NOT_DELIVERED"),
    });
    rig.node.advance(1_000);
    await vi.waitFor(() => expect(receiptRow(messageId)?.attempts).toBe(2));
    expect((await rig.node.api("GET", "/v1/status")).json.queues.receiptOutbox).toEqual({ pending: 1, failed: 0 });

    accept = true;
    rig.node.advance(2_000);
    await vi.waitFor(() => expect(receiptRow(messageId)?.state).toBe("done"));
    expect(rig.proxy.receipts).toHaveLength(3);
    expect(rig.proxy.receipts.map((request) => (request.json as { messageId: string }).messageId)).toEqual([
      messageId,
      messageId,
      messageId,
    ]);
  });

  it("retries transient answers with backoff and gives up only at receiptTtlMs", async () => {
    await setup({ receiptTtlMs: 5_000 });
    let calls = 0;
    rig.proxy.respondReceipts(() => (++calls === 1 ? { status: 503 } : notDelivered));
    const messageId = deliver();
    await vi.waitFor(() => expect(receiptRow(messageId)?.attempts).toBe(1));
    rig.node.advance(1_000);
    await vi.waitFor(() => expect(receiptRow(messageId)?.attempts).toBe(2));
    expect(receiptRow(messageId)?.state).toBe("pending");
    // The next retry (4 s after the second) would land past the 5 s TTL: give up now, saying why.
    rig.node.advance(2_000);
    await vi.waitFor(() => expect(receiptRow(messageId)?.state).toBe("failed"));
    expect(receiptRow(messageId)?.lastError).toContain("PROXY_RECEIPT_NOT_DELIVERED");
    expect(receiptRow(messageId)?.attempts).toBe(3);
  });

  it.each([
    ["400 invalid body", refusal(400, "PROXY_VALIDATION_FAILED")],
    ["403 forbidden", refusal(403, "PROXY_RECEIPT_FORBIDDEN")],
    ["401 agent revoked", refusal(401, "PROXY_AUTH_AGENT_REVOKED")],
    ["413 too large", refusal(413, "PROXY_PAYLOAD_TOO_LARGE")],
  ])("fails a receipt at once on a final answer: %s", async (_name, answer) => {
    await setup();
    rig.proxy.respondReceipts(() => answer);
    const messageId = deliver();
    await vi.waitFor(() => expect(receiptRow(messageId)?.state).toBe("failed"));
    expect(receiptRow(messageId)).toMatchObject({
      attempts: 1,
      lastError: expect.stringContaining(`${answer.status}`),
    });
    rig.node.advance(60_000);
    await settle();
    expect(rig.proxy.receipts).toHaveLength(1);
    expect((await rig.node.api("GET", "/v1/status")).json.queues.receiptOutbox).toEqual({ pending: 0, failed: 1 });
  });
});
