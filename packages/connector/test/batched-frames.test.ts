import type { DeliverFrame, Priority, ReceiptFrame } from "@clawdentity/protocol";
import { toBatchItem } from "@clawdentity/protocol";
import { createUlid } from "@clawdentity/sdk";
import BetterSqlite3 from "better-sqlite3";
import { describe, expect, it, vi } from "vitest";
import { createDeliverFrame, createReceiptFrame, framesOfType, settle, useConnectorRig } from "./helpers";

const rig = useConnectorRig();
const WAIT = { timeout: 30_000, interval: 50 };

function storedIds(dbPath: string): string[] {
  const reader = new BetterSqlite3(dbPath, { readonly: true });
  try {
    const rows = reader.prepare("SELECT message_id FROM inbox ORDER BY seq").all() as Array<{ message_id: string }>;
    return rows.map((row) => row.message_id);
  } finally {
    reader.close();
  }
}

const batchFrame = (frames: DeliverFrame[]) => ({
  v: 1 as const,
  id: createUlid(),
  ts: new Date().toISOString(),
  type: "deliver_batch" as const,
  messages: frames.map(toBatchItem),
});

describe("batch frames, once the relay confirmed them in hello_ack", () => {
  it("asks for them in hello, and acks one-by-one where the relay did not confirm them", async () => {
    await rig.setup();
    expect(framesOfType(rig.proxy.frames, "hello")[0]?.features).toEqual(["batch"]);
    const frame = createDeliverFrame({ from: rig.ids.peer.agentDid, to: rig.ids.agent.agentDid });
    rig.proxy.sendFrame(frame);
    await vi.waitFor(() => expect(framesOfType(rig.proxy.frames, "deliver_ack")).toHaveLength(1), WAIT);
    expect(framesOfType(rig.proxy.frames, "deliver_ack_batch")).toHaveLength(0);
  });

  it("stores a deliver_batch in one commit, in its priority order, then acks it in one frame; a bad message is refused alone", async () => {
    const committedAtAck: boolean[] = [];
    await rig.setup({
      batch: true,
      onFrame: (frame) => {
        // Runs the instant the ack arrives: every accepted message must be committed already.
        if (frame.type !== "deliver_ack_batch") return;
        const stored = storedIds(`${rig.node.dir}/connector.db`);
        committedAtAck.push(frame.accepted.every((id) => stored.includes(id)));
      },
    });
    const to = rig.ids.agent.agentDid;
    const from = rig.ids.peer.agentDid;
    const priorities: Priority[] = ["critical", "normal", "normal", "low"];
    const good = priorities.map((priority, index) => createDeliverFrame({ from, to, priority, payload: { index } }));
    const misaddressed = createDeliverFrame({ from, to: from });
    const batch = [good[0], good[1], misaddressed, good[2], good[3]] as DeliverFrame[];
    rig.proxy.sendFrame(batchFrame(batch));

    await vi.waitFor(() => expect(framesOfType(rig.proxy.frames, "deliver_ack_batch")).toHaveLength(1), WAIT);
    const [ack] = framesOfType(rig.proxy.frames, "deliver_ack_batch");
    expect(ack?.accepted).toEqual(good.map((frame) => frame.id));
    expect(ack?.refused).toEqual([{ ackId: misaddressed.id, reason: "wrong_recipient" }]);
    expect(framesOfType(rig.proxy.frames, "deliver_ack")).toHaveLength(0);
    expect(committedAtAck).toEqual([true]);
    expect(storedIds(`${rig.node.dir}/connector.db`)).toEqual(good.map((frame) => frame.id));
    await vi.waitFor(() => expect(rig.webhook.deliveries()).toHaveLength(good.length), WAIT);

    // The same batch again (its ack was lost): acked again, nothing stored or delivered twice.
    rig.proxy.sendFrame(batchFrame(batch));
    await vi.waitFor(() => expect(framesOfType(rig.proxy.frames, "deliver_ack_batch")).toHaveLength(2), WAIT);
    expect(framesOfType(rig.proxy.frames, "deliver_ack_batch")[1]?.accepted).toEqual(good.map((frame) => frame.id));
    await settle(300);
    expect(rig.webhook.deliveries()).toHaveLength(good.length);
  });

  it("records a receipt_batch and acks it in one receipt_ack_batch; sent again, it notifies nobody twice", async () => {
    await rig.setup({ batch: true });
    const messageIds: string[] = [];
    for (const correlationId of ["corr-1", "corr-2"]) {
      const sent = await rig.node.api("POST", "/v1/outbound", {
        body: { toAgentDid: rig.ids.peer.agentDid, payload: 1, correlationId },
      });
      messageIds.push(sent.json.messageId as string);
    }
    const { outbox } = rig.node.started.storage;
    await vi.waitFor(() => expect(messageIds.map((id) => outbox.get(id)?.status)).toEqual(["relayed", "relayed"]));
    const receipts: ReceiptFrame[] = messageIds.map((messageId) =>
      createReceiptFrame({ messageId, to: rig.ids.peer.agentDid, status: "delivered_to_webhook" }),
    );
    const batch = {
      v: 1 as const,
      id: createUlid(),
      ts: new Date().toISOString(),
      type: "receipt_batch" as const,
      receipts: receipts.map(toBatchItem),
    };
    rig.proxy.sendFrame(batch);
    await vi.waitFor(() => expect(framesOfType(rig.proxy.frames, "receipt_ack_batch")).toHaveLength(1), WAIT);
    expect(framesOfType(rig.proxy.frames, "receipt_ack_batch")[0]?.ackIds).toEqual(receipts.map((r) => r.id));
    expect(messageIds.map((id) => outbox.get(id)?.status)).toEqual(["delivered_to_webhook", "delivered_to_webhook"]);
    await vi.waitFor(() => expect(rig.webhook.receipts()).toHaveLength(2), WAIT);

    rig.proxy.sendFrame(batch);
    await vi.waitFor(() => expect(framesOfType(rig.proxy.frames, "receipt_ack_batch")).toHaveLength(2), WAIT);
    await settle(300);
    expect(rig.webhook.receipts()).toHaveLength(2);
    expect(framesOfType(rig.proxy.frames, "receipt_ack")).toHaveLength(0);
  });
});
