import { formatTable } from "../output";
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
