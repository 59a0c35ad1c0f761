import { CLAW_HEADERS, RELAY_PATHS } from "@clawdentity/protocol";
import { describe, expect, it, vi } from "vitest";
import { accept202, createDeliverFrame, type RecordedRequest, useConnectorRig } from "./helpers";

const rig = useConnectorRig();

const send = async (payload: unknown, priority: "critical" | "normal" | "low") => {
  const body = { toAgentDid: rig.ids.peer.agentDid, payload, priority };
  const response = await rig.node.api("POST", "/v1/outbound", { body });
  expect(response.status).toBe(202);
  return response.json.messageId as string;
};
const row = (messageId: string) => {
  const found = rig.node.started.storage.outbox.get(messageId);
  if (!found) throw new Error(`no outbox row ${messageId}`);
  return found;
};
const unavailable = { status: 503, body: { error: { code: "PROXY_INTERNAL", message: "down", requestId: "x" } } };
const untrusted = { status: 403, body: { error: { code: "PROXY_SENDER_NOT_TRUSTED", message: "no", requestId: "x" } } };
const idOf = (request: RecordedRequest) => request.headers.get(CLAW_HEADERS.messageId);
const batchesTo = (path: string) => rig.proxy.batches.filter((request) => request.path === path);

/** Four messages that first met an unavailable proxy, so all four are due again at the same moment. */
async function queueFourAfterAnOutage() {
  let up = false;
  rig.proxy.respondMessages((request) => {
    if (!up) return unavailable;
    return (request.json as { bad?: boolean }).bad ? untrusted : accept202(request);
  });
  const ids = {
    low: await send({ n: 1 }, "low"),
    normal: await send({ n: 2 }, "normal"),
    critical: await send({ n: 3 }, "critical"),
    refused: await send({ bad: true }, "normal"),
  };
  await vi.waitFor(() => expect(Object.values(ids).map((id) => row(id).attempts)).toEqual([1, 1, 1, 1]));
  up = true;
  rig.node.advance(1_000);
  return ids;
}

describe("batched relay from the outbox", () => {
  it("sends what is ready in one batch, most urgent first, each row settled by its own result", async () => {
    await rig.setup({ batchRoutes: true });
    const ids = await queueFourAfterAnOutage();
    const before = batchesTo(RELAY_PATHS.messagesBatch).length;
    await vi.waitFor(() => expect(row(ids.refused).status).toBe("dead_lettered"));
    await vi.waitFor(() =>
      expect([ids.low, ids.normal, ids.critical].map((id) => row(id).status)).toEqual([
        "relayed",
        "relayed",
        "relayed",
      ]),
    );

    const batches = batchesTo(RELAY_PATHS.messagesBatch).slice(before);
    expect(batches).toHaveLength(1);
    const sent =
      (batches[0]?.json as { messages: Array<{ messageId: string; proof?: string }> } | undefined)?.messages ?? [];
    expect(sent.map((message) => message.messageId)).toEqual([ids.critical, ids.normal, ids.refused, ids.low]);
    expect(sent.every((message) => typeof message.proof === "string")).toBe(true);
    expect(row(ids.refused).deadLetterReason).toBe("untrusted");
    expect(rig.proxy.contractFailures).toEqual([]);
  });

  it("falls back to one request per message on a proxy without the batch route, spending no attempt on it", async () => {
    await rig.setup();
    const ids = await queueFourAfterAnOutage();
    await vi.waitFor(() => expect(row(ids.refused).status).toBe("dead_lettered"));
    await vi.waitFor(() =>
      expect([ids.low, ids.normal, ids.critical].map((id) => row(id).status)).toEqual([
        "relayed",
        "relayed",
        "relayed",
      ]),
    );
    expect([ids.low, ids.normal, ids.critical].map((id) => row(id).attempts)).toEqual([2, 2, 2]);
    const accepted = rig.proxy.messages.filter((request) => request.answered === 202).map(idOf);
    expect(accepted.sort()).toEqual([ids.low, ids.normal, ids.critical].sort());
  });
});

describe("batched receipts", () => {
  it("posts the receipts that are due in one request, each settled by its own result", async () => {
    await rig.setup({ batchRoutes: true });
    let up = false;
    rig.proxy.respondReceipts(() => (up ? { status: 202, body: {} } : unavailable));
    const messageIds = [1, 2, 3].map(() => {
      const frame = createDeliverFrame({ from: rig.ids.peer.agentDid, to: rig.ids.agent.agentDid });
      rig.proxy.sendFrame(frame);
      return frame.id;
    });
    const receiptRow = (messageId: string) => rig.node.started.storage.receiptOutbox.listForMessage(messageId)[0];
    await vi.waitFor(() => expect(messageIds.map((id) => receiptRow(id)?.attempts)).toEqual([1, 1, 1]));
    const before = batchesTo(RELAY_PATHS.deliveryReceiptsBatch).length;
    up = true;
    rig.node.advance(1_000);
    await vi.waitFor(() => expect(messageIds.map((id) => receiptRow(id)?.state)).toEqual(["done", "done", "done"]));
    const batches = batchesTo(RELAY_PATHS.deliveryReceiptsBatch).slice(before);
    expect(batches).toHaveLength(1);
    const posted = (batches[0]?.json as { receipts: Array<{ messageId: string }> } | undefined)?.receipts ?? [];
    expect(posted.map((receipt) => receipt.messageId).sort()).toEqual([...messageIds].sort());
  });
});
