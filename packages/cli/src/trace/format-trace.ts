import { formatTable } from "../output";
import type { HopReference } from "./hop-reference";
import type { TraceStep } from "./merge-trace";

const toMs = (ms: number) => `+${ms} ms`;

/** The timeline as a table: time, hop duration, time since the first event, who, what. */
export function formatTimeline(timeline: readonly TraceStep[]): string[] {
  return formatTable(
    ["AT", "HOP", "TOTAL", "SOURCE", "EVENT", "DETAIL"],
    timeline.map((step) => [
      step.at,
      toMs(step.sincePreviousMs),
      toMs(step.sinceStartMs),
      step.source,
      step.event,
      [step.attempt === undefined ? "" : `attempt ${step.attempt}`, step.reason ?? ""].filter(Boolean).join(", "),
    ]),
  );
}

const orDash = (ms: number | null) => (ms === null ? "-" : `${ms} ms`);

/** Each measured hop against that hop's current p50/p99. */
export function formatHopReferences(hops: readonly HopReference[]): string[] {
  return formatTable(
    ["HOP", "TOOK", "P50", "P99", "VERDICT"],
    hops.map((hop) => [hop.hop, `${hop.tookMs} ms`, orDash(hop.p50Ms), orDash(hop.p99Ms), hop.verdict]),
  );
}
