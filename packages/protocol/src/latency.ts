import { z } from "zod";

/** A hop's current latency reference, estimated from its Prometheus histogram (seconds; null without data). */
export const hopLatencySchema = z.object({
  p50Seconds: z.number().nonnegative().nullable(),
  p99Seconds: z.number().nonnegative().nullable(),
  count: z.number().int().nonnegative(),
});
export type HopLatency = z.infer<typeof hopLatencySchema>;

/** The connector's `GET /v1/latency`: its hops since this process started. */
export const connectorLatencyResponseSchema = z.object({
  /** Accept → the proxy took the message (202). */
  outboundRelay: hopLatencySchema,
  /** Accept → terminal outcome (receipt or dead letter). */
  outboundOutcome: hopLatencySchema,
  /** deliver frame stored → the runtime webhook accepted it (as a recipient). */
  webhookDelivery: hopLatencySchema,
});
export type ConnectorLatencyResponse = z.infer<typeof connectorLatencyResponseSchema>;

/** The proxy's `GET /v1/relay/latency`: its hops over every relay session. */
export const relayLatencyResponseSchema = z.object({
  /** Accepted by the relay → acknowledged by the recipient's connector. */
  relayDelivery: hopLatencySchema,
});
export type RelayLatencyResponse = z.infer<typeof relayLatencyResponseSchema>;
