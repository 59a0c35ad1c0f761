import { describe, expect, it } from "vitest";
import { toHopReferences } from "./hop-reference";
import { mergeTrace, type TraceEvent } from "./merge-trace";

const at = (ms: number) => new Date(Date.UTC(2026, 0, 1) + ms).toISOString();
const hop = (p50Seconds: number | null, p99Seconds: number | null) => ({ p50Seconds, p99Seconds, count: 10 });

const events: TraceEvent[] = [
  { at: at(0), source: "connector", event: "queued" },
  { at: at(20), source: "proxy", event: "accepted" },
  { at: at(40), source: "connector", event: "relayed" },
  { at: at(500), source: "proxy", event: "delivered_to_connector", attempt: 1 },
  { at: at(2_000), source: "proxy", event: "delivered_to_connector", attempt: 2 },
  { at: at(9_000), source: "connector", event: "receipt_delivered_to_webhook" },
];

describe("hop references", () => {
  it("measure each hop from this message's timeline and judge it against that hop's p50/p99", () => {
    const { timeline } = mergeTrace(events);
    const hops = toHopReferences(timeline, {
      connector: { outboundRelay: hop(0.05, 0.2), outboundOutcome: hop(1, 5), webhookDelivery: hop(0.1, 1) },
      proxy: { relayDelivery: hop(0.5, 3) },
    });
    expect(hops).toEqual([
      { hop: "accept_to_relayed", tookMs: 40, p50Ms: 50, p99Ms: 200, verdict: "at_or_below_p50" },
      // A redelivery: the hop ends at the last delivery.
      { hop: "relay_to_connector", tookMs: 1_980, p50Ms: 500, p99Ms: 3_000, verdict: "above_p50" },
      { hop: "accept_to_outcome", tookMs: 9_000, p50Ms: 1_000, p99Ms: 5_000, verdict: "above_p99" },
    ]);
  });

  it("show a hop without a reference when a side has none, and leave out hops that did not happen", () => {
    const { timeline } = mergeTrace(events.slice(0, 3));
    expect(toHopReferences(timeline, { connector: null, proxy: { relayDelivery: hop(null, null) } })).toEqual([
      { hop: "accept_to_relayed", tookMs: 40, p50Ms: null, p99Ms: null, verdict: "no_reference" },
    ]);
  });
});
