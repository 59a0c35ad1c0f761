import { describe, expect, it } from "vitest";
import { ConnectorConfigError, parseConnectorConfig } from "./connector-config";

const valid = {
  identity: {
    agentDid: "did:cdi:127.0.0.1:agent:01JGQ8Z9ZQ0000000000000000",
    ait: "a.b.c",
    seed: "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A",
  },
  proxyUrl: "http://127.0.0.1:8788",
  deliveryWebhookUrl: "http://127.0.0.1:3000/hook",
  localApi: { token: "t".repeat(43) },
  databasePath: "/tmp/connector.db",
};

describe("parseConnectorConfig", () => {
  it("applies the PROTOCOL.md §10 defaults", () => {
    const config = parseConnectorConfig(valid);
    expect(config.localApi).toEqual({ host: "127.0.0.1", port: 0, token: "t".repeat(43) });
    expect(config.tuning).toMatchObject({
      outboxRetryBaseMs: 1_000,
      outboxRetryMaxMs: 300_000,
      outboxTtlMs: 86_400_000,
      webhookTimeoutMs: 10_000,
      webhookMaxAttempts: 10,
      webhookTtlMs: 86_400_000,
      heartbeatIntervalMs: 30_000,
      deadSocketAfterMs: 60_000,
      circuitFailureThreshold: 5,
      circuitOpenMs: 30_000,
      retentionMs: 7 * 86_400_000,
      outcomeCheckAfterMs: 6 * 3_600_000,
      outcomeCheckIntervalMs: 15 * 60_000,
      outcomeDeadlineMs: 30 * 3_600_000,
    });
  });

  it.each([
    ["a non-loopback local API host", { localApi: { host: "0.0.0.0", token: "t".repeat(43) } }, /loopback/],
    ["a short token", { localApi: { token: "short" } }, /at least 32/],
    ["a non-http proxy URL", { proxyUrl: "ws://127.0.0.1" }, /proxyUrl/],
    ["a bad DID", { identity: { ...valid.identity, agentDid: "did:web:x" } }, /identity.agentDid/],
    ["a lease shorter than a request", { tuning: { leaseMs: 5_000 } }, /leaseMs must exceed/],
    ["a negative delay", { tuning: { outboxRetryBaseMs: -1 } }, /tuning.outboxRetryBaseMs/],
  ])("fails fast on %s", (_name, override, message) => {
    expect(() => parseConnectorConfig({ ...valid, ...override })).toThrow(ConnectorConfigError);
    expect(() => parseConnectorConfig({ ...valid, ...override })).toThrow(message);
  });
});
