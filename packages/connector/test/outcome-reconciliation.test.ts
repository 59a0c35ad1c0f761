import { describe, expect, it, vi } from "vitest";
import type { ConnectorTuning } from "../src";
import {
  createMessageStatus,
  createReceiptFrame,
  type FakeAnswer,
  framesOfType,
  settle,
  useConnectorRig,
} from "./helpers";

const rig = useConnectorRig();

/** Checks 60 s after the relay took a message, then every 10 s; gives up 120 s after it. */
const TUNING: Partial<ConnectorTuning> = {
  outcomeCheckAfterMs: 60_000,
  outcomeCheckIntervalMs: 10_000,
  outcomeDeadlineMs: 120_000,
};
const setup = (tuning: Partial<ConnectorTuning> = {}) => rig.setup({ tuning: { ...TUNING, ...tuning } });

async function sendRelayed(): Promise<string> {
  const sent = await rig.node.api("POST", "/v1/outbound", {
    body: { toAgentDid: rig.ids.peer.agentDid, payload: 1, correlationId: "corr-1" },
  });
  const messageId = sent.json.messageId as string;
  await vi.waitFor(() => expect(outboxRow(messageId)?.status).toBe("relayed"));
  return messageId;
}
const outboxRow = (messageId: string) => rig.node.started.storage.outbox.get(messageId);
const statusAnswer = (state: Parameters<typeof createMessageStatus>[0]["state"], reason?: string) => {
  return (request: { path: string }): FakeAnswer => {
    const messageId = request.path.split("/").at(-1) as string;
    const status = createMessageStatus({
      messageId,
      sender: rig.ids.agent.agentDid,
      recipient: rig.ids.peer.agentDid,
      state,
      ...(reason ? { reason } : {}),
    });
    return { status: 200, body: status };
  };
};
const metricsText = async () => (await rig.node.api("GET", "/metrics")).text;

describe("outcome reconciliation", () => {
  it("settles a relayed message delivered_to_webhook from the proxy's message status, once", async () => {
    await setup();
    rig.proxy.respondStatus(statusAnswer("delivered_to_webhook"));
    const messageId = await sendRelayed();
    const relayedAt = outboxRow(messageId)?.relayedAt as number;
    expect(outboxRow(messageId)?.outcomeCheckAt).toBe(relayedAt + 60_000);
    rig.node.advance(59_000);
    await settle();
    expect(rig.proxy.statusChecks).toHaveLength(0);

    rig.node.advance(1_000);
    await vi.waitFor(() => expect(outboxRow(messageId)?.status).toBe("delivered_to_webhook"));
    expect(rig.proxy.statusChecks.map((request) => [request.path, request.agentDid])).toEqual([
      [`/v1/relay/messages/${messageId}`, rig.ids.agent.agentDid],
    ]);
    expect(rig.proxy.authFailures).toEqual([]);
    await vi.waitFor(() => expect(rig.webhook.receipts()).toHaveLength(1));
    expect(rig.webhook.receipts()[0]?.body).toMatchObject({
      type: "clawdentity.receipt.v1",
      messageId,
      correlationId: "corr-1",
      status: "delivered_to_webhook",
    });

    // The relay's own receipt frame arrives after all: acked, nothing changes, nobody is told twice.
    rig.proxy.sendFrame(createReceiptFrame({ messageId, to: rig.ids.peer.agentDid, status: "delivered_to_webhook" }));
    await vi.waitFor(() => expect(framesOfType(rig.proxy.frames, "receipt_ack")).toHaveLength(1));
    rig.node.advance(60_000);
    await settle();
    expect(rig.webhook.receipts()).toHaveLength(1);
    expect(rig.proxy.statusChecks).toHaveLength(1);
    expect(rig.node.started.storage.outbox.listReceipts(messageId)).toHaveLength(1);
    expect(await metricsText()).toContain(
      'clawdentity_connector_outcome_checks_total{outcome="delivered_to_webhook"} 1',
    );
  });

  it("settles a message dead_lettered with the reason in the proxy's timeline", async () => {
    await setup();
    rig.proxy.respondStatus(statusAnswer("dead_lettered", "recipient_revoked"));
    const messageId = await sendRelayed();
    rig.node.advance(60_000);
    await vi.waitFor(() => expect(outboxRow(messageId)?.status).toBe("dead_lettered"));
    expect(outboxRow(messageId)).toMatchObject({ deadLetterReason: "recipient_revoked", deadLetterSource: "remote" });
    const status = await rig.node.api("GET", `/v1/outbound/${messageId}`);
    expect(status.json.receipts).toEqual([
      { status: "dead_lettered", reason: "recipient_revoked", at: expect.any(String) },
    ]);
    await vi.waitFor(() => expect(rig.webhook.receipts()).toHaveLength(1));
    expect(rig.webhook.receipts()[0]?.body).toMatchObject({ status: "dead_lettered", reason: "recipient_revoked" });
  });

  it("lets a receipt frame that overtakes a check in flight settle the message alone", async () => {
    await setup();
    rig.proxy.respondStatus(() => "hold");
    const messageId = await sendRelayed();
    rig.node.advance(60_000);
    await vi.waitFor(() => expect(rig.proxy.statusChecks).toHaveLength(1));
    rig.proxy.sendFrame(createReceiptFrame({ messageId, to: rig.ids.peer.agentDid, status: "delivered_to_webhook" }));
    await vi.waitFor(() => expect(outboxRow(messageId)?.status).toBe("delivered_to_webhook"));
    rig.proxy.releaseHeld(statusAnswer("delivered_to_webhook")({ path: `/x/${messageId}` }));
    await vi.waitFor(async () =>
      expect(await metricsText()).toContain(
        'clawdentity_connector_outcome_checks_total{outcome="delivered_to_webhook"} 1',
      ),
    );
    await settle();
    expect(rig.webhook.receipts()).toHaveLength(1);
    expect(rig.node.started.storage.outbox.listReceipts(messageId)).toHaveLength(1);
  });

  it("asks again after the interval while the relay reports the message unfinished", async () => {
    await setup();
    rig.proxy.respondStatus(statusAnswer("delivered_to_connector"));
    const messageId = await sendRelayed();
    rig.node.advance(60_000);
    await vi.waitFor(() => expect(outboxRow(messageId)?.lastError).toBe("the relay reports delivered_to_connector"));
    const checkedAt = rig.node.clock.nowMs();
    expect(outboxRow(messageId)).toMatchObject({ status: "relayed", outcomeCheckAt: checkedAt + 10_000 });
    rig.node.advance(9_000);
    await settle();
    expect(rig.proxy.statusChecks).toHaveLength(1);

    rig.proxy.respondStatus(statusAnswer("delivered_to_webhook"));
    rig.node.advance(1_000);
    await vi.waitFor(() => expect(outboxRow(messageId)?.status).toBe("delivered_to_webhook"));
    expect(rig.proxy.statusChecks).toHaveLength(2);
    expect(await metricsText()).toContain('clawdentity_connector_outcome_checks_total{outcome="in_progress"} 1');
  });

  it("dead-letters outcome_unknown at the deadline, tells the runtime, and still takes a later receipt", async () => {
    await setup();
    const messageId = await sendRelayed();
    rig.node.advance(60_000);
    for (let check = 1; outboxRow(messageId)?.status === "relayed"; check++) {
      await vi.waitFor(() => expect(rig.proxy.statusChecks).toHaveLength(check));
      await vi.waitFor(() => expect(outboxRow(messageId)?.leaseUntil ?? null).toBeNull());
      if (outboxRow(messageId)?.status === "relayed") rig.node.advance(10_000);
    }
    // Checks at 60, 70, … 120 s: the last one, at the deadline, still learns nothing.
    expect(rig.proxy.statusChecks).toHaveLength(7);
    expect(outboxRow(messageId)).toMatchObject({
      status: "dead_lettered",
      deadLetterReason: "outcome_unknown",
      lastError: expect.stringContaining("PROXY_MESSAGE_NOT_FOUND"),
    });
    await vi.waitFor(() => expect(rig.webhook.receipts()).toHaveLength(1));
    expect(rig.webhook.receipts()[0]?.body).toMatchObject({
      messageId,
      status: "dead_lettered",
      reason: "outcome_unknown",
    });
    const list = await rig.node.api("GET", "/v1/dead-letters?direction=outbound");
    expect(list.json.deadLetters).toEqual([expect.objectContaining({ messageId, reason: "outcome_unknown" })]);
    const retry = await rig.node.api("POST", `/v1/dead-letters/${messageId}/retry`);
    expect(retry.json.error.code).toBe("CONNECTOR_DEAD_LETTER_NOT_RETRYABLE");
    const metrics = await metricsText();
    expect(metrics).toContain('clawdentity_connector_outcome_checks_total{outcome="not_found"} 7');
    expect(metrics).toContain('clawdentity_connector_outcome_checks_total{outcome="outcome_unknown"} 1');
    expect(metrics).toContain('clawdentity_connector_outbound_dead_lettered_total{reason="outcome_unknown"} 1');

    rig.proxy.sendFrame(createReceiptFrame({ messageId, to: rig.ids.peer.agentDid, status: "delivered_to_webhook" }));
    await vi.waitFor(() => expect(outboxRow(messageId)?.status).toBe("delivered_to_webhook"));
    expect(outboxRow(messageId)?.deadLetterReason).toBeNull();
    await vi.waitFor(() => expect(rig.webhook.receipts()).toHaveLength(2));
    expect(rig.webhook.receipts()[1]?.body).toMatchObject({ status: "delivered_to_webhook" });
  });

  it("gives up at the deadline even when the proxy cannot be asked", async () => {
    await setup({ circuitFailureThreshold: 1, circuitOpenMs: 3_600_000 });
    rig.proxy.respondStatus(() => ({ status: 503 }));
    const messageId = await sendRelayed();
    rig.node.advance(60_000);
    await vi.waitFor(() => expect(outboxRow(messageId)?.lastError).toContain("HTTP 503"));
    expect((await rig.node.api("GET", "/v1/status")).json.circuits.proxy.state).toBe("open");
    rig.node.advance(60_000);
    await settle();
    expect(outboxRow(messageId)?.status).toBe("relayed");
    // One check interval of grace past the deadline, for a check that could not run.
    rig.node.advance(10_000);
    await vi.waitFor(() => expect(outboxRow(messageId)?.status).toBe("dead_lettered"));
    expect(outboxRow(messageId)).toMatchObject({
      deadLetterReason: "outcome_unknown",
      lastError: expect.stringContaining("503"),
    });
    expect(rig.proxy.statusChecks).toHaveLength(1);
    await vi.waitFor(() => expect(rig.webhook.receipts()).toHaveLength(1));
  });
});
