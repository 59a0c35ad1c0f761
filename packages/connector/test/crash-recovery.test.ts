import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { createAgentHome, createLocalApiToken } from "../src";
import {
  accept202,
  type ChildConnector,
  createDeliverFrame,
  createTestIdentities,
  type FakeProxy,
  type FakeWebhook,
  framesOfType,
  type RecordedRequest,
  spawnConnector,
  startFakeProxy,
  startFakeWebhook,
  type TestIdentities,
} from "./helpers";

const AGENT = "alice";
const WAIT = { timeout: 30_000, interval: 50 };

let ids: TestIdentities;
let proxy: FakeProxy;
let webhook: FakeWebhook;
let home: string;
let token: string;
const children: ChildConnector[] = [];

beforeAll(async () => {
  ids = await createTestIdentities();
});

beforeEach(async () => {
  proxy = await startFakeProxy({ keys: ids.keys });
  webhook = await startFakeWebhook();
  home = mkdtempSync(join(tmpdir(), "connector-crash-"));
  token = createLocalApiToken();
  createAgentHome({
    home,
    agentName: AGENT,
    identity: ids.agent,
    proxyUrl: proxy.url,
    deliveryWebhookUrl: webhook.url,
    localApiToken: token,
    tuning: { maxIdleMs: 50, reconnectBaseMs: 100, reconnectMaxMs: 500 },
  });
});

afterEach(async () => {
  for (const child of children.splice(0)) await child.kill9();
  await proxy.close();
  await webhook.close();
  rmSync(home, { recursive: true, force: true });
});

async function start(): Promise<ChildConnector> {
  const child = await spawnConnector({ home, agentName: AGENT, token });
  children.push(child);
  await vi.waitFor(() => expect(proxy.openSockets()).toBe(1), WAIT);
  return child;
}

const forMessage = (requests: RecordedRequest[], messageId: string, field: "x-claw-message-id" | "body") =>
  requests.filter((request) =>
    field === "body"
      ? (request.json as { messageId?: string }).messageId === messageId
      : request.headers.get(field) === messageId,
  );

/** The relay saw each messageId at most once as accepted, and nothing for it after that 202. */
function expectNoSecondSend() {
  const byId = new Map<string, RecordedRequest[]>();
  for (const request of proxy.messages) {
    const id = request.headers.get("x-claw-message-id") ?? "";
    byId.set(id, [...(byId.get(id) ?? []), request]);
  }
  for (const requests of byId.values()) {
    const acceptedAt = requests.findIndex((request) => request.answered === 202);
    if (acceptedAt >= 0) expect(requests.slice(acceptedAt + 1)).toEqual([]);
  }
  expect(proxy.authFailures).toEqual([]);
}

describe("crash recovery with kill -9", () => {
  it("(a) a message accepted by POST /v1/outbound but not yet by the relay is sent after restart, once", async () => {
    proxy.respondMessages(() => "hold");
    const first = await start();
    const sent = await first.api("POST", "/v1/outbound", { toAgentDid: ids.peer.agentDid, payload: { n: 1 } });
    expect(sent.status).toBe(202);
    const { messageId } = sent.json;
    await vi.waitFor(() => expect(proxy.messages).toHaveLength(1), WAIT);
    await first.kill9();
    await vi.waitFor(() => expect(proxy.messages[0]?.answered).toBe("aborted"), WAIT);

    proxy.respondMessages(accept202);
    const second = await start();
    await vi.waitFor(
      async () => expect((await second.api("GET", `/v1/outbound/${messageId}`)).json.status).toBe("relayed"),
      WAIT,
    );
    expect(forMessage(proxy.messages, messageId, "x-claw-message-id").map((request) => request.answered)).toEqual([
      "aborted",
      202,
    ]);

    // Crash again after the 202 was recorded: the next run must not send it again.
    await second.kill9();
    const third = await start();
    const probe = await third.api("POST", "/v1/outbound", { toAgentDid: ids.peer.agentDid, payload: { n: 2 } });
    await vi.waitFor(
      async () => expect((await third.api("GET", `/v1/outbound/${probe.json.messageId}`)).json.status).toBe("relayed"),
      WAIT,
    );
    expect(await third.stop()).toBe(0);
    expect(forMessage(proxy.messages, messageId, "x-claw-message-id")).toHaveLength(2);
    expectNoSecondSend();
  });

  it("(b) a message stored from a deliver frame but not yet taken by the webhook is delivered after restart", async () => {
    webhook.respond(() => "hold");
    const first = await start();
    const frame = createDeliverFrame({ from: ids.peer.agentDid, to: ids.agent.agentDid, payload: { task: "b" } });
    proxy.sendFrame(frame);
    await vi.waitFor(
      () => expect(framesOfType(proxy.frames, "deliver_ack")[0]).toMatchObject({ ackId: frame.id, accepted: true }),
      WAIT,
    );
    await vi.waitFor(() => expect(webhook.deliveries()).toHaveLength(1), WAIT);
    await first.kill9();

    webhook.respond(() => 200);
    const second = await start();
    await vi.waitFor(
      () => expect(forMessage(proxy.receipts, frame.id, "body").map((request) => request.answered)).toEqual([202]),
      WAIT,
    );
    expect(await second.stop()).toBe(0);
    const deliveries = webhook.deliveries().filter((call) => call.body.messageId === frame.id);
    expect(deliveries.map((call) => call.answered)).toEqual(["aborted", 200]);
    expect(deliveries[1]?.body.payload).toEqual({ task: "b" });
    expect(forMessage(proxy.receipts, frame.id, "body")[0]?.json).toMatchObject({ status: "delivered_to_webhook" });
    // The relay never had to offer it again: one deliver, one ack.
    expect(framesOfType(proxy.frames, "deliver_ack")).toHaveLength(1);
    expectNoSecondSend();
  });

  it("(c) a delivery the webhook took but whose receipt was not posted gets its receipt after restart", async () => {
    proxy.respondReceipts(() => "hold");
    const first = await start();
    const frame = createDeliverFrame({ from: ids.peer.agentDid, to: ids.agent.agentDid });
    proxy.sendFrame(frame);
    await vi.waitFor(() => expect(webhook.deliveries().map((call) => call.answered)).toEqual([200]), WAIT);
    await vi.waitFor(() => expect(forMessage(proxy.receipts, frame.id, "body")).toHaveLength(1), WAIT);
    await first.kill9();

    proxy.respondReceipts(() => ({ status: 202, body: {} }));
    const second = await start();
    await vi.waitFor(
      () =>
        expect(forMessage(proxy.receipts, frame.id, "body").map((request) => request.answered)).toEqual([
          "aborted",
          202,
        ]),
      WAIT,
    );
    expect(await second.stop()).toBe(0);
    // Delivered once: the inbox state and the receipt row were committed together.
    expect(webhook.deliveries().filter((call) => call.body.messageId === frame.id)).toHaveLength(1);
    expect(forMessage(proxy.receipts, frame.id, "body")[1]?.json).toMatchObject({
      messageId: frame.id,
      senderAgentDid: ids.peer.agentDid,
      status: "delivered_to_webhook",
    });
    expectNoSecondSend();
  });

  it("refuses a second connector on the same agent home", async () => {
    await start();
    await expect(spawnConnector({ home, agentName: AGENT, token })).rejects.toThrow(/another connector/);
  });
});
