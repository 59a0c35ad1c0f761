import { describe, expect, it, vi } from "vitest";
import type { ConnectorTuning } from "../src";
import { createReceiptFrame, framesOfType, settle, useConnectorRig } from "./helpers";

const rig = useConnectorRig();

const setup = (tuning: Partial<ConnectorTuning> = {}) => rig.setup({ tuning });

async function sendRelayed(correlationId = "corr-1"): Promise<string> {
  const sent = await rig.node.api("POST", "/v1/outbound", {
    body: { toAgentDid: rig.ids.peer.agentDid, payload: 1, correlationId },
  });
  const messageId = sent.json.messageId as string;
  await vi.waitFor(() => expect(rig.node.started.storage.outbox.get(messageId)?.status).toBe("relayed"));
  return messageId;
}

describe("receipt frames", () => {
  it("update the outbox row, reach the runtime as clawdentity.receipt.v1 and are acked", async () => {
    await setup();
    const messageId = await sendRelayed();
    const frame = createReceiptFrame({ messageId, to: rig.ids.peer.agentDid, status: "delivered_to_webhook" });
    rig.proxy.sendFrame(frame);
    await vi.waitFor(() => expect(framesOfType(rig.proxy.frames, "receipt_ack")).toHaveLength(1));
    expect(framesOfType(rig.proxy.frames, "receipt_ack")[0]?.ackId).toBe(frame.id);

    const status = await rig.node.api("GET", `/v1/outbound/${messageId}`);
    expect(status.json).toMatchObject({
      status: "delivered_to_webhook",
      receipts: [{ status: "delivered_to_webhook", at: frame.at }],
    });
    await vi.waitFor(() => expect(rig.webhook.receipts()).toHaveLength(1));
    expect(rig.webhook.receipts()[0]?.body).toEqual({
      type: "clawdentity.receipt.v1",
      messageId,
      correlationId: "corr-1",
      toAgentDid: rig.ids.peer.agentDid,
      status: "delivered_to_webhook",
      at: frame.at,
    });

    // Sent again after a reconnect: acked again, nothing new for the runtime.
    rig.proxy.sendFrame(frame);
    await vi.waitFor(() => expect(framesOfType(rig.proxy.frames, "receipt_ack")).toHaveLength(2));
    await settle();
    expect(rig.webhook.receipts()).toHaveLength(1);
  });

  it("mark a message the relay dead-lettered, which cannot be retried under the same messageId", async () => {
    await setup();
    const messageId = await sendRelayed();
    rig.proxy.sendFrame(
      createReceiptFrame({ messageId, to: rig.ids.peer.agentDid, status: "dead_lettered", reason: "expired" }),
    );
    await vi.waitFor(() => expect(rig.node.started.storage.outbox.get(messageId)?.status).toBe("dead_lettered"));
    const list = await rig.node.api("GET", "/v1/dead-letters?direction=outbound");
    expect(list.json.deadLetters).toEqual([
      expect.objectContaining({ messageId, source: "remote", reason: "expired", direction: "outbound" }),
    ]);
    const retry = await rig.node.api("POST", `/v1/dead-letters/${messageId}/retry`);
    expect(retry.status).toBe(409);
    expect(retry.json.error.code).toBe("CONNECTOR_DEAD_LETTER_NOT_RETRYABLE");
    await vi.waitFor(() =>
      expect(rig.webhook.receipts()[0]?.body).toMatchObject({ status: "dead_lettered", reason: "expired" }),
    );
  });

  it("never downgrade a delivered message to dead-lettered", async () => {
    await setup();
    const messageId = await sendRelayed();
    rig.proxy.sendFrame(createReceiptFrame({ messageId, to: rig.ids.peer.agentDid, status: "delivered_to_webhook" }));
    rig.proxy.sendFrame(
      createReceiptFrame({ messageId, to: rig.ids.peer.agentDid, status: "dead_lettered", reason: "expired" }),
    );
    await vi.waitFor(() => expect(framesOfType(rig.proxy.frames, "receipt_ack")).toHaveLength(2));
    expect(rig.node.started.storage.outbox.get(messageId)?.status).toBe("delivered_to_webhook");
  });

  it("give up notifying a failing runtime after the bounded number of attempts", async () => {
    await setup({ runtimeNotificationMaxAttempts: 3 });
    rig.webhook.respond(() => 503);
    const messageId = await sendRelayed();
    rig.proxy.sendFrame(createReceiptFrame({ messageId, to: rig.ids.peer.agentDid, status: "delivered_to_webhook" }));
    for (let attempt = 1; attempt <= 3; attempt++) {
      await vi.waitFor(() => expect(rig.webhook.receipts()).toHaveLength(attempt));
      rig.node.advance(10_000);
    }
    await vi.waitFor(async () =>
      expect((await rig.node.api("GET", "/v1/status")).json.queues.runtimeNotifications).toEqual({
        pending: 0,
        failed: 1,
      }),
    );
    rig.node.advance(60_000);
    await settle();
    expect(rig.webhook.receipts()).toHaveLength(3);
  });
});
