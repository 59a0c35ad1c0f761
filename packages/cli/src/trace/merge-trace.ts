import type { MessageStatusResponse, OutboundStatusResponse } from "@clawdentity/protocol";

/** `peer_proxy`: the recipient's home proxy, when the message was forwarded to another one (PROTOCOL.md §11.9). */
export type TraceSource = "connector" | "proxy" | "peer_proxy";

/** One thing that happened to a message, as one of the two sides recorded it. */
export interface TraceEvent {
  at: string;
  source: TraceSource;
  event: string;
  attempt?: number;
  reason?: string;
}

/** A timeline entry with the hop durations: since the previous event and since the first one. */
export interface TraceStep extends TraceEvent {
  sincePreviousMs: number;
  sinceStartMs: number;
}

export interface MergedTrace {
  timeline: TraceStep[];
  totalMs: number;
}

/**
 * Causal order for events that carry the same timestamp (millisecond clocks, two processes):
 * the connector stores before it posts, the proxy accepts before it queues, and so on.
 */
const CAUSAL_RANK: Record<string, number> = {
  "connector:queued": 0,
  "proxy:accepted": 1,
  "proxy:queued": 2,
  "connector:relayed": 3,
  "peer_proxy:accepted": 3,
  "peer_proxy:queued": 3,
  "peer_proxy:delivered_to_connector": 4,
  "peer_proxy:refused_by_connector": 4,
  "proxy:delivered_to_connector": 4,
  "proxy:refused_by_connector": 4,
  "proxy:delivered_to_webhook": 5,
  "proxy:dead_lettered": 5,
  "connector:dead_lettered": 6,
  "connector:receipt_delivered_to_webhook": 6,
  "connector:receipt_dead_lettered": 6,
};
const UNKNOWN_RANK = 7;

/** The sender connector's view (`GET /v1/outbound/:id`) as events. */
export function toConnectorEvents(outbound: OutboundStatusResponse): TraceEvent[] {
  const events: TraceEvent[] = [{ at: outbound.createdAt, source: "connector", event: "queued" }];
  if (outbound.relayedAt) {
    events.push({ at: outbound.relayedAt, source: "connector", event: "relayed", attempt: outbound.attempts });
  }
  if (outbound.deadLetteredAt && !outbound.relayedAt) {
    events.push({
      at: outbound.deadLetteredAt,
      source: "connector",
      event: "dead_lettered",
      attempt: outbound.attempts,
      ...(outbound.deadLetterReason ? { reason: outbound.deadLetterReason } : {}),
    });
  }
  for (const receipt of outbound.receipts) {
    events.push({
      at: receipt.at,
      source: "connector",
      event: `receipt_${receipt.status}`,
      ...(receipt.reason ? { reason: receipt.reason } : {}),
    });
  }
  return events;
}

/** The relay's view (`GET /v1/relay/messages/:id`) as events, the recipient's home proxy's included. */
export function toProxyEvents(relay: MessageStatusResponse): TraceEvent[] {
  const toEvents = (timeline: MessageStatusResponse["timeline"], source: TraceSource): TraceEvent[] =>
    timeline.map((entry) => ({
      at: entry.at,
      source,
      event: entry.event,
      ...(entry.attempt === undefined ? {} : { attempt: entry.attempt }),
      ...(entry.reason === undefined ? {} : { reason: entry.reason }),
    }));
  return [...toEvents(relay.timeline, "proxy"), ...toEvents(relay.peerProxy?.timeline ?? [], "peer_proxy")];
}

/** Both views merged in time order (ties in causal order), with the duration of every hop. */
export function mergeTrace(events: readonly TraceEvent[]): MergedTrace {
  const ordered = events
    .map((event, index) => ({ event, index, ms: Date.parse(event.at) }))
    .filter((item) => Number.isFinite(item.ms))
    .sort(
      (a, b) =>
        a.ms - b.ms ||
        (CAUSAL_RANK[`${a.event.source}:${a.event.event}`] ?? UNKNOWN_RANK) -
          (CAUSAL_RANK[`${b.event.source}:${b.event.event}`] ?? UNKNOWN_RANK) ||
        a.index - b.index,
    );
  const startMs = ordered[0]?.ms ?? 0;
  const timeline = ordered.map((item, position) => ({
    ...item.event,
    sincePreviousMs: position === 0 ? 0 : item.ms - (ordered[position - 1]?.ms ?? item.ms),
    sinceStartMs: item.ms - startMs,
  }));
  return { timeline, totalMs: timeline.at(-1)?.sinceStartMs ?? 0 };
}
