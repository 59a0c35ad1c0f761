import { JSON_STRUCTURE_LIMITS, RELAY_MAX_PAYLOAD_BYTES } from "@clawdentity/protocol";
import { describe, expect, it, vi } from "vitest";
import { createDeliverFrame, framesOfType, manyValuesJson, nestedJson, useConnectorRig } from "./helpers";

const rig = useConnectorRig();

const { maxDepth, maxValues } = JSON_STRUCTURE_LIMITS;

/** A deliver frame's text with `payloadText` spliced in as the payload, as a relay could send it. */
const deliverText = (payloadText: string, options: { payloadFirst?: boolean } = {}) => {
  const { payload: _payload, ...frame } = createDeliverFrame({
    from: rig.ids.peer.agentDid,
    to: rig.ids.agent.agentDid,
  });
  const members = JSON.stringify(frame).slice(1, -1);
  const text = options.payloadFirst ? `{"payload":${payloadText},${members}}` : `{${members},"payload":${payloadText}}`;
  return { id: frame.id, text };
};

const acks = () => framesOfType(rig.proxy.frames, "deliver_ack");
const metricsText = async () => (await rig.node.api("GET", "/metrics")).text;

describe("relay frames past the limits", () => {
  it("refuses a deliver frame with a 10,000-level payload as payload_too_complex, every time, and keeps working", async () => {
    await rig.setup();
    const { id, text } = deliverText(nestedJson(10_000));
    for (let redelivery = 1; redelivery <= 3; redelivery++) {
      rig.proxy.sendText(text);
      await vi.waitFor(() => expect(acks()).toHaveLength(redelivery));
    }
    expect(acks().map(({ ackId, accepted, reason }) => ({ ackId, accepted, reason }))).toEqual(
      Array.from({ length: 3 }, () => ({ ackId: id, accepted: false, reason: "payload_too_complex" })),
    );
    expect(rig.node.started.storage.inbox.find(rig.ids.peer.agentDid, id)).toBeUndefined();
    expect(await metricsText()).toContain('clawdentity_connector_invalid_frames_total{reason="too_complex"} 3');

    const valid = createDeliverFrame({ from: rig.ids.peer.agentDid, to: rig.ids.agent.agentDid });
    rig.proxy.sendFrame(valid);
    await vi.waitFor(() => expect(rig.webhook.deliveries()).toHaveLength(1));
    expect(acks().at(-1)).toMatchObject({ ackId: valid.id, accepted: true });
    expect(rig.proxy.upgrades).toHaveLength(1);
  });

  it("stores and delivers a payload at the limits unchanged and refuses one a level or a value past them", async () => {
    await rig.setup();
    const atDepth = deliverText(nestedJson(maxDepth));
    const atValues = deliverText(manyValuesJson(maxValues));
    const pastDepth = deliverText(nestedJson(maxDepth + 1));
    const pastValues = deliverText(manyValuesJson(maxValues + 1));
    for (const frame of [atDepth, atValues, pastDepth, pastValues]) rig.proxy.sendText(frame.text);
    await vi.waitFor(() => expect(acks()).toHaveLength(4));
    expect(Object.fromEntries(acks().map((ack) => [ack.ackId, ack.reason ?? ack.accepted]))).toEqual({
      [atDepth.id]: true,
      [atValues.id]: true,
      [pastDepth.id]: "payload_too_complex",
      [pastValues.id]: "payload_too_complex",
    });
    await vi.waitFor(() => expect(rig.webhook.deliveries()).toHaveLength(2));
    const payloads = rig.webhook
      .deliveries()
      .map((call) => JSON.stringify((call.body as { payload: unknown }).payload));
    expect(payloads.sort()).toEqual([nestedJson(maxDepth), manyValuesJson(maxValues)].sort());
  });

  it("refuses a deliver frame past the frame size bound as frame_too_large without dropping the socket", async () => {
    await rig.setup();
    const { id, text } = deliverText(JSON.stringify("x".repeat(RELAY_MAX_PAYLOAD_BYTES * 6)));
    rig.proxy.sendText(text);
    await vi.waitFor(() => expect(acks()).toHaveLength(1));
    expect(acks()[0]).toMatchObject({ ackId: id, accepted: false, reason: "frame_too_large" });
    expect(rig.node.started.storage.inbox.find(rig.ids.peer.agentDid, id)).toBeUndefined();
    expect(await metricsText()).toContain('clawdentity_connector_invalid_frames_total{reason="too_large"} 1');
    expect(rig.proxy.upgrades).toHaveLength(1);
  });

  it("drops, unacknowledged, a frame past the limits whose id cannot be read before its payload", async () => {
    await rig.setup();
    rig.proxy.sendText(deliverText(nestedJson(10_000), { payloadFirst: true }).text);
    rig.proxy.sendText(`[${nestedJson(10_000)}]`);
    await vi.waitFor(async () =>
      expect(await metricsText()).toContain('clawdentity_connector_invalid_frames_total{reason="too_complex"} 2'),
    );
    const valid = createDeliverFrame({ from: rig.ids.peer.agentDid, to: rig.ids.agent.agentDid });
    rig.proxy.sendFrame(valid);
    await vi.waitFor(() => expect(acks()).toHaveLength(1));
    expect(acks()[0]).toMatchObject({ ackId: valid.id, accepted: true });
    expect(rig.proxy.upgrades).toHaveLength(1);
  });
});
