import type { ConnectorLatencyResponse, HopLatency, RelayLatencyResponse } from "@clawdentity/protocol";
import type { TraceStep } from "./merge-trace";

/** Where a hop's current p50/p99 come from: the sender's connector or the proxy's aggregate. */
export interface LatencyReferences {
  connector: ConnectorLatencyResponse | null;
  proxy: RelayLatencyResponse | null;
}

/** How a hop of this message compares with the same hop of every message lately. */
export type HopVerdict = "at_or_below_p50" | "above_p50" | "above_p99" | "no_reference";

export interface HopReference {
  hop: "accept_to_relayed" | "relay_to_connector" | "accept_to_outcome";
  tookMs: number;
  p50Ms: number | null;
  p99Ms: number | null;
  verdict: HopVerdict;
}

const OUTCOMES = new Set(["receipt_delivered_to_webhook", "receipt_dead_lettered", "dead_lettered"]);

const toMs = (seconds: number | null | undefined) => (seconds == null ? null : Math.round(seconds * 1000));

function judge(tookMs: number, reference: HopLatency | undefined): Omit<HopReference, "hop" | "tookMs"> {
  const p50Ms = toMs(reference?.p50Seconds);
  const p99Ms = toMs(reference?.p99Seconds);
  if (p50Ms === null || p99Ms === null) return { p50Ms, p99Ms, verdict: "no_reference" };
  const verdict = tookMs > p99Ms ? "above_p99" : tookMs > p50Ms ? "above_p50" : "at_or_below_p50";
  return { p50Ms, p99Ms, verdict };
}

/**
 * The hops the connector and proxy histograms measure, taken from this message's timeline: accept
 * → relayed and accept → outcome at the sender's connector, relay accepted → delivered to the
 * recipient's connector at the proxy; each with that hop's current p50/p99.
 */
export function toHopReferences(timeline: readonly TraceStep[], references: LatencyReferences): HopReference[] {
  const find = (source: string, matches: (event: string) => boolean) =>
    timeline.find((step) => step.source === source && matches(step.event));
  const findLast = (source: string, event: string) =>
    timeline.findLast((step) => step.source === source && step.event === event);
  const between = (from: TraceStep | undefined, to: TraceStep | undefined) =>
    from && to ? Math.max(0, to.sinceStartMs - from.sinceStartMs) : undefined;

  const queued = find("connector", (event) => event === "queued");
  const hops: Array<[HopReference["hop"], number | undefined, HopLatency | undefined]> = [
    [
      "accept_to_relayed",
      between(
        queued,
        find("connector", (event) => event === "relayed"),
      ),
      references.connector?.outboundRelay,
    ],
    [
      "relay_to_connector",
      between(
        find("proxy", (event) => event === "accepted"),
        findLast("proxy", "delivered_to_connector"),
      ),
      references.proxy?.relayDelivery,
    ],
    [
      "accept_to_outcome",
      between(
        queued,
        find("connector", (event) => OUTCOMES.has(event)),
      ),
      references.connector?.outboundOutcome,
    ],
  ];
  return hops.flatMap(([hop, tookMs, reference]) =>
    tookMs === undefined ? [] : [{ hop, tookMs, ...judge(tookMs, reference) }],
  );
}
