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
 * The same across two proxies (PROTOCOL.md §11.9): the sender's proxy accepts and queues it (in
 * its outbox), the recipient's proxy (`peer_proxy`) takes it and delivers it to the recipient's
 * connector, and the outcome comes back to the sender's proxy with the receipt.
 */
export const FEDERATED_MESSAGE_HOPS = [
  "connector:queued",
  "proxy:accepted",
  "proxy:queued",
  "connector:relayed",
  "peer_proxy:queued",
  "peer_proxy:delivered_to_connector",
  "proxy:delivered_to_webhook",
  "connector:receipt_delivered_to_webhook",
] as const;

type Hop = (typeof DELIVERED_MESSAGE_HOPS)[number] | (typeof FEDERATED_MESSAGE_HOPS)[number];

/**
 * What must have happened before each hop. Two hops are concurrent when neither causes the other:
 * the sender's connector records `relayed` when the 202 reaches it, while the recipient's session
 * may already have pushed the message and had it acked (`delivered_to_connector`) — either can
 * carry the earlier timestamp. Each proxy stamps its own hops, so a hop on the peer proxy is only
 * checked against the peer proxy's own earlier one.
 */
const CAUSES: Record<Hop, readonly string[]> = {
  "connector:queued": [],
  "proxy:accepted": ["connector:queued"],
  "proxy:queued": ["proxy:accepted"],
  "connector:relayed": ["proxy:queued"],
  "proxy:delivered_to_connector": ["proxy:queued"],
  "peer_proxy:queued": [],
  "peer_proxy:delivered_to_connector": ["peer_proxy:queued"],
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
export function findMissingHops(
  timeline: readonly TraceTimelineStep[],
  hops: readonly Hop[] = DELIVERED_MESSAGE_HOPS,
): string[] {
  const names = timeline.map((step) => `${step.source}:${step.event}`);
  return hops.filter((hop) => {
    const at = names.indexOf(hop);
    return at === -1 || CAUSES[hop].some((cause) => names.indexOf(cause) > at);
  });
}
