import { DEFAULTS, type RelayFrame } from "@clawdentity/protocol";
import BetterSqlite3 from "better-sqlite3";
import { describe, expect, it, vi } from "vitest";
import type { ConnectorTuning } from "../src";
import { createDeliverFrame, type FakeAnswer, framesOfType, settle, useConnectorRig } from "./helpers";

const rig = useConnectorRig();

const setup = (tuning: Partial<ConnectorTuning> = {}, onFrame?: (frame: RelayFrame) => void) =>
  rig.setup({ tuning, ...(onFrame ? { onFrame } : {}) });

const deliver = () => {
  const frame = createDeliverFrame({ from: rig.ids.peer.agentDid, to: rig.ids.agent.agentDid });
  rig.proxy.sendFrame(frame);
  return frame.id;
};
/** The same frame again, as a relay that never got the receipt would push it. */
const redeliver = (messageId: string) =>
  rig.proxy.sendFrame(
    createDeliverFrame({ from: rig.ids.peer.agentDid, to: rig.ids.agent.agentDid, messageId, attempt: 2 }),
  );
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

describe("a duplicate deliver frame", () => {
  it("puts a given-up receipt of a delivered message back in the queue, committed before the ack", async () => {
    const atAck: unknown[] = [];
    let reader: BetterSqlite3.Database | undefined;
    await setup({ receiptTtlMs: 600_000 }, (frame) => {
      if (frame.type !== "deliver_ack" || framesOfType(rig.proxy.frames, "deliver_ack").length !== 2) return;
      // Runs the instant the second ack arrives: the revived receipt must be committed already.
      reader ??= new BetterSqlite3(`${rig.node.dir}/connector.db`, { readonly: true });
      atAck.push(
        reader
          .prepare(
            "SELECT state, attempts, next_attempt_at AS nextAttemptAt, expires_at AS expiresAt FROM receipt_outbox",
          )
          .get(),
      );
    });
    rig.proxy.respondReceipts(() => refusal(403, "PROXY_RECEIPT_FORBIDDEN"));
    const messageId = deliver();
    await vi.waitFor(() => expect(receiptRow(messageId)?.state).toBe("failed"));

    rig.proxy.respondReceipts(() => "hold");
    rig.node.advance(3_600_000);
    const revivedAt = rig.node.clock.nowMs();
    redeliver(messageId);
    await vi.waitFor(() => expect(rig.proxy.receipts).toHaveLength(2));
    reader?.close();
    expect(atAck).toEqual([
      { state: "pending", attempts: 0, nextAttemptAt: revivedAt, expiresAt: revivedAt + 600_000 },
    ]);
    expect(framesOfType(rig.proxy.frames, "deliver_ack").every((ack) => ack.accepted)).toBe(true);
    rig.proxy.releaseHeld({ status: 202, body: {} });
    await vi.waitFor(() => expect(receiptRow(messageId)?.state).toBe("done"));
    expect(rig.node.started.storage.receiptOutbox.listForMessage(messageId)).toHaveLength(1);
    expect(rig.proxy.receipts[1]?.json).toMatchObject({ messageId, status: "delivered_to_webhook" });
    expect(rig.webhook.deliveries()).toHaveLength(1);
  });

  it("queues the receipt again when it was pruned, with the dead letter's reason", async () => {
    await setup();
    rig.webhook.respond(() => 422);
    const messageId = deliver();
    await vi.waitFor(() => expect(receiptRow(messageId)?.state).toBe("done"));
    // Purged days later: the inbox keeps a tombstone while the posted receipt ages out of retention.
    rig.node.advance(DEFAULTS.deadLetterRetentionMs - 60_000);
    expect((await rig.node.api("DELETE", "/v1/dead-letters")).json).toEqual({ purged: 1 });
    rig.node.advance(120_000);
    expect(rig.node.connector.pruneRetention()).toMatchObject({ inbox: 0, jobs: 1 });
    expect(receiptRow(messageId)).toBeUndefined();

    redeliver(messageId);
    await vi.waitFor(() => expect(receiptRow(messageId)?.state).toBe("done"));
    expect(rig.proxy.receipts.map((request) => request.json)).toEqual([
      expect.objectContaining({ messageId, status: "dead_lettered", reason: "webhook_rejected" }),
      expect.objectContaining({ messageId, status: "dead_lettered", reason: "webhook_rejected" }),
    ]);
    expect(rig.webhook.deliveries()).toHaveLength(1);
  });

  it("leaves a receipt alone while it is pending or posted", async () => {
    await setup();
    rig.proxy.respondReceipts(() => notDelivered);
    const messageId = deliver();
    await vi.waitFor(() => expect(receiptRow(messageId)?.attempts).toBe(1));
    redeliver(messageId);
    await vi.waitFor(() => expect(framesOfType(rig.proxy.frames, "deliver_ack")).toHaveLength(2));
    expect(receiptRow(messageId)).toMatchObject({ state: "pending", attempts: 1 });
    expect(rig.node.started.storage.receiptOutbox.listForMessage(messageId)).toHaveLength(1);
  });
});
