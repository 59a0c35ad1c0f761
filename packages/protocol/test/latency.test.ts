import { describe, expect, it } from "vitest";
import { connectorLatencyResponseSchema, hopLatencySchema, relayLatencyResponseSchema } from "../src/index";

describe("hop latency answers", () => {
  const hop = { p50Seconds: 0.12, p99Seconds: 2.5, count: 40 };

  it("carry p50/p99 in seconds, null without data", () => {
    expect(hopLatencySchema.parse(hop)).toEqual(hop);
    expect(hopLatencySchema.parse({ p50Seconds: null, p99Seconds: null, count: 0 })).toMatchObject({ count: 0 });
    expect(hopLatencySchema.safeParse({ ...hop, p50Seconds: -1 }).success).toBe(false);
    expect(hopLatencySchema.safeParse({ ...hop, count: 1.5 }).success).toBe(false);
  });

  it("name the connector's three hops and the relay's one", () => {
    const connector = { outboundRelay: hop, outboundOutcome: hop, webhookDelivery: hop };
    expect(connectorLatencyResponseSchema.parse(connector)).toEqual(connector);
    expect(connectorLatencyResponseSchema.safeParse({ outboundRelay: hop }).success).toBe(false);
    expect(relayLatencyResponseSchema.parse({ relayDelivery: hop })).toEqual({ relayDelivery: hop });
  });
});
