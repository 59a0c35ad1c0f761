/** The hops of a message delivered to the recipient's runtime, as `clawdentity trace` names them. */
export const DELIVERED_MESSAGE_HOPS = [
  "connector:queued",
  "proxy:accepted",
  "proxy:queued",
  "connector:relayed",
  "proxy:delivered_to_connector",
  "proxy:delivered_to_webhook",
  "connector:receipt_delivered_to_webhook",
] as const;

/**
 * What must have happened before each hop. Two hops are concurrent when neither causes the other:
 * the sender's connector records `relayed` when the 202 reaches it, while the recipient's session
 * may already have pushed the message and had it acked (`delivered_to_connector`) — either can
 * carry the earlier timestamp.
 */
const CAUSES: Record<(typeof DELIVERED_MESSAGE_HOPS)[number], readonly string[]> = {
  "connector:queued": [],
  "proxy:accepted": ["connector:queued"],
  "proxy:queued": ["proxy:accepted"],
  "connector:relayed": ["proxy:queued"],
  "proxy:delivered_to_connector": ["proxy:queued"],
  "proxy:delivered_to_webhook": ["proxy:delivered_to_connector"],
  "connector:receipt_delivered_to_webhook": ["proxy:delivered_to_webhook"],
};

export interface TraceTimelineStep {
  source: string;
  event: string;
  sincePreviousMs: number;
  sinceStartMs: number;
}

/**
 * The expected hops the timeline lacks, or has before one of their causes (other events may sit in
 * between, e.g. a redelivery). Empty means the trace is complete.
 */
export function findMissingHops(timeline: readonly TraceTimelineStep[]): string[] {
  const names = timeline.map((step) => `${step.source}:${step.event}`);
  return DELIVERED_MESSAGE_HOPS.filter((hop) => {
    const at = names.indexOf(hop);
    return at === -1 || CAUSES[hop].some((cause) => names.indexOf(cause) > at);
  });
}
