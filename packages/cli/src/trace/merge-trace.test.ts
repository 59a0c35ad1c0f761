import type { MessageStatusResponse, OutboundStatusResponse } from "@clawdentity/protocol";
import { describe, expect, it } from "vitest";
import { mergeTrace, type TraceEvent, toConnectorEvents, toProxyEvents } from "./merge-trace";

const SENDER = "did:cdi:127.0.0.1:agent:01J0000000000000000000000A";
const RECIPIENT = "did:cdi:127.0.0.1:agent:01J0000000000000000000000B";
const MESSAGE_ID = "01J0000000000000000000000M";

const outbound = (overrides: Partial<OutboundStatusResponse> = {}): OutboundStatusResponse => ({
  messageId: MESSAGE_ID,
  correlationId: "corr-1",
  toAgentDid: RECIPIENT,
  priority: "normal",
  status: "delivered_to_webhook",
  attempts: 1,
  createdAt: "2026-01-01T00:00:00.000Z",
  relayedAt: "2026-01-01T00:00:00.040Z",
  receipts: [{ status: "delivered_to_webhook", at: "2026-01-01T00:00:00.300Z" }],
  ...overrides,
});

const relay = (timeline: MessageStatusResponse["timeline"]): MessageStatusResponse => ({
  messageId: MESSAGE_ID,
  correlationId: "corr-1",
  senderAgentDid: SENDER,
  recipientAgentDid: RECIPIENT,
  priority: "normal",
  state: "delivered_to_webhook",
  attempts: 1,
  timeline,
});

describe("mergeTrace", () => {
  it("interleaves both sides in time order with the duration of every hop", () => {
    const merged = mergeTrace([
      ...toConnectorEvents(outbound()),
      ...toProxyEvents(
        relay([
          { event: "accepted", at: "2026-01-01T00:00:00.020Z" },
          { event: "queued", at: "2026-01-01T00:00:00.025Z" },
          { event: "delivered_to_connector", at: "2026-01-01T00:00:00.100Z", attempt: 1 },
          { event: "delivered_to_webhook", at: "2026-01-01T00:00:00.250Z" },
        ]),
      ),
    ]);
    expect(merged.timeline.map((step) => [step.source, step.event, step.sincePreviousMs, step.sinceStartMs])).toEqual([
      ["connector", "queued", 0, 0],
      ["proxy", "accepted", 20, 20],
      ["proxy", "queued", 5, 25],
      ["connector", "relayed", 15, 40],
      ["proxy", "delivered_to_connector", 60, 100],
      ["proxy", "delivered_to_webhook", 150, 250],
      ["connector", "receipt_delivered_to_webhook", 50, 300],
    ]);
    expect(merged.totalMs).toBe(300);
    expect(merged.timeline[4]).toMatchObject({ attempt: 1 });
  });

  it("shows the recipient's home proxy's timeline of a forwarded message as peer_proxy", () => {
    const forwarded: MessageStatusResponse = {
      ...relay([
        { event: "accepted", at: "2026-01-01T00:00:00.020Z" },
        { event: "queued", at: "2026-01-01T00:00:00.020Z" },
        { event: "delivered_to_webhook", at: "2026-01-01T00:00:00.250Z" },
      ]),
      peerProxy: {
        origin: "https://proxy-b.example",
        timeline: [
          { event: "accepted", at: "2026-01-01T00:00:00.060Z" },
          { event: "queued", at: "2026-01-01T00:00:00.060Z" },
          { event: "delivered_to_connector", at: "2026-01-01T00:00:00.100Z", attempt: 1 },
        ],
      },
    };
    const merged = mergeTrace([...toConnectorEvents(outbound()), ...toProxyEvents(forwarded)]);
    expect(merged.timeline.map((step) => `${step.source}:${step.event}`)).toEqual([
      "connector:queued",
      "proxy:accepted",
      "proxy:queued",
      "connector:relayed",
      "peer_proxy:accepted",
      "peer_proxy:queued",
      "peer_proxy:delivered_to_connector",
      "proxy:delivered_to_webhook",
      "connector:receipt_delivered_to_webhook",
    ]);
  });

  it("orders events with the same millisecond causally, whatever order they come in", () => {
    const at = "2026-01-01T00:00:01.000Z";
    const events: TraceEvent[] = [
      { at, source: "connector", event: "receipt_delivered_to_webhook" },
      { at, source: "proxy", event: "delivered_to_connector" },
      { at, source: "connector", event: "relayed" },
      { at, source: "proxy", event: "queued" },
      { at, source: "proxy", event: "accepted" },
      { at, source: "connector", event: "queued" },
    ];
    expect(mergeTrace(events).timeline.map((step) => `${step.source}:${step.event}`)).toEqual([
      "connector:queued",
      "proxy:accepted",
      "proxy:queued",
      "connector:relayed",
      "proxy:delivered_to_connector",
      "connector:receipt_delivered_to_webhook",
    ]);
    expect(mergeTrace(events).totalMs).toBe(0);
  });

  it("keeps redelivery attempts in their recorded order and reasons on refusals", () => {
    const merged = mergeTrace(
      toProxyEvents(
        relay([
          { event: "delivered_to_connector", at: "2026-01-01T00:00:02.000Z", attempt: 2 },
          { event: "refused_by_connector", at: "2026-01-01T00:00:01.000Z", attempt: 1, reason: "inbox_full" },
          { event: "accepted", at: "2026-01-01T00:00:00.000Z" },
        ]),
      ),
    );
    expect(merged.timeline.map((step) => [step.event, step.attempt, step.reason, step.sincePreviousMs])).toEqual([
      ["accepted", undefined, undefined, 0],
      ["refused_by_connector", 1, "inbox_full", 1000],
      ["delivered_to_connector", 2, undefined, 1000],
    ]);
  });

  it("shows a message the connector dead-lettered before the relay took it", () => {
    const events = toConnectorEvents(
      outbound({
        status: "dead_lettered",
        relayedAt: undefined,
        attempts: 1,
        deadLetterReason: "sender_revoked",
        deadLetteredAt: "2026-01-01T00:00:00.080Z",
        receipts: [],
      }),
    );
    expect(mergeTrace(events).timeline).toEqual([
      { at: "2026-01-01T00:00:00.000Z", source: "connector", event: "queued", sincePreviousMs: 0, sinceStartMs: 0 },
      {
        at: "2026-01-01T00:00:00.080Z",
        source: "connector",
        event: "dead_lettered",
        attempt: 1,
        reason: "sender_revoked",
        sincePreviousMs: 80,
        sinceStartMs: 80,
      },
    ]);
  });

  it("reports a relay dead letter once, through its receipt", () => {
    const events = toConnectorEvents(
      outbound({
        status: "dead_lettered",
        deadLetterReason: "expired",
        deadLetteredAt: "2026-01-01T06:00:00.000Z",
        receipts: [{ status: "dead_lettered", reason: "expired", at: "2026-01-01T06:00:00.000Z" }],
      }),
    );
    expect(events.map((event) => event.event)).toEqual(["queued", "relayed", "receipt_dead_lettered"]);
  });

  it("handles timestamps with offsets and an empty trace", () => {
    const merged = mergeTrace([
      { at: "2026-01-01T01:00:00.500+01:00", source: "proxy", event: "accepted" },
      { at: "2026-01-01T00:00:00.000Z", source: "connector", event: "queued" },
    ]);
    expect(merged.timeline.map((step) => step.event)).toEqual(["queued", "accepted"]);
    expect(merged.totalMs).toBe(500);
    expect(mergeTrace([])).toEqual({ timeline: [], totalMs: 0 });
  });
});
