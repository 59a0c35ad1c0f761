/** The hops of a message delivered to the recipient's runtime, as `clawdentity trace` names them, in order. */
export const DELIVERED_MESSAGE_HOPS = [
  "connector:queued",
  "proxy:accepted",
  "proxy:queued",
  "connector:relayed",
  "proxy:delivered_to_connector",
  "proxy:delivered_to_webhook",
  "connector:receipt_delivered_to_webhook",
] as const;

export interface TraceTimelineStep {
  source: string;
  event: string;
  sincePreviousMs: number;
  sinceStartMs: number;
}

/**
 * The expected hops the timeline lacks, or has out of order (each must come after the previous
 * one; other events may sit in between, e.g. a redelivery). Empty means the trace is complete.
 */
export function findMissingHops(
  timeline: readonly TraceTimelineStep[],
  expected: readonly string[] = DELIVERED_MESSAGE_HOPS,
): string[] {
  const names = timeline.map((step) => `${step.source}:${step.event}`);
  const missing: string[] = [];
  let from = 0;
  for (const hop of expected) {
    const index = names.indexOf(hop, from);
    if (index === -1) missing.push(hop);
    else from = index + 1;
  }
  return missing;
}
