import { describe, expect, it, vi } from "vitest";
import { openConnectorStorage } from "../src";
import { accept202, settle, startTestConnector, useConnectorRig } from "./helpers";

const rig = useConnectorRig();

describe("proxy circuit breaker", () => {
  it("opens after 5 failures, parks rows without spending attempts, half-opens with one trial, then closes", async () => {
    await rig.setup();
    let healthy = false;
    rig.proxy.respondMessages((request) => (healthy ? accept202(request) : { status: 503 }));
    const circuit = async () => (await rig.node.api("GET", "/v1/status")).json.circuits.proxy;
    const send = async () =>
      (await rig.node.api("POST", "/v1/outbound", { body: { toAgentDid: rig.ids.peer.agentDid, payload: 1 } })).json
        .messageId as string;

    const first = await Promise.all([send(), send(), send(), send(), send()]);
    await vi.waitFor(async () => expect((await circuit()).state).toBe("open"));
    expect(rig.proxy.messages).toHaveLength(5);
    expect(await circuit()).toMatchObject({ consecutiveFailures: 5, nextTrialAt: expect.any(String) });

    // While open: a new message and the retries coming due are parked, nothing is sent or spent.
    const parked = await send();
    rig.node.advance(10_000);
    await settle();
    expect(rig.proxy.messages).toHaveLength(5);
    expect(rig.node.started.storage.outbox.get(parked)?.attempts).toBe(0);
    expect(first.map((id) => rig.node.started.storage.outbox.get(id)?.attempts)).toEqual([1, 1, 1, 1, 1]);

    // Half-open: exactly one trial; it fails, so the circuit opens again.
    rig.node.advance(20_000);
    await vi.waitFor(() => expect(rig.proxy.messages).toHaveLength(6));
    await vi.waitFor(async () => expect(await circuit()).toMatchObject({ state: "open", consecutiveFailures: 6 }));
    await settle();
    expect(rig.proxy.messages).toHaveLength(6);

    // The proxy recovers: the next trial succeeds, the circuit closes and everything drains.
    healthy = true;
    rig.node.advance(30_000);
    await vi.waitFor(() => expect(rig.node.started.storage.outbox.countByStatus().relayed).toBe(6));
    expect(await circuit()).toMatchObject({ state: "closed", consecutiveFailures: 0 });
    const metrics = await rig.node.api("GET", "/metrics");
    expect(metrics.text).toContain(
      'clawdentity_connector_circuit_transitions_total{circuit="proxy",state="half_open"} 2',
    );
    expect(metrics.text).toContain('clawdentity_connector_circuit_state{circuit="proxy"} 0');
  });
});

describe("lease recovery", () => {
  it("sends rows a killed process left claimed as soon as it starts again", async () => {
    await rig.setup();
    const dir = rig.node.dir;
    const messageId = (
      await rig.node.api("POST", "/v1/outbound", { body: { toAgentDid: rig.ids.peer.agentDid, payload: 1 } })
    ).json.messageId;
    await vi.waitFor(() => expect(rig.proxy.messages).toHaveLength(1));
    await rig.node.connector.stop();

    // Simulate the crash: the row is queued again and claimed with an hour-long lease nobody will finish.
    const storage = openConnectorStorage(`${dir}/connector.db`);
    storage.db.prepare("UPDATE outbox SET status = 'queued', relayed_at = NULL WHERE message_id = ?").run(messageId);
    expect(storage.outbox.claimDue({ now: Date.now(), leaseMs: 3_600_000, limit: 10 })).toHaveLength(1);
    storage.close();

    rig.node = await startTestConnector({
      identity: rig.ids.agent,
      proxyUrl: rig.proxy.url,
      webhookUrl: rig.webhook.url,
      dir,
      removeDirOnStop: true,
    });
    await vi.waitFor(() => expect(rig.node.started.storage.outbox.get(messageId)?.status).toBe("relayed"));
    expect(rig.proxy.messages).toHaveLength(2);
  });
});
