import { DEFAULTS } from "@clawdentity/protocol";
import { describe, expect, it } from "vitest";
import { ProxyConfigError, parseProxyConfig } from "./config";

const base = { REGISTRY_URL: "http://127.0.0.1:8788" };

describe("parseProxyConfig", () => {
  it("applies the SPEC defaults", () => {
    const config = parseProxyConfig(base);
    expect(config).toMatchObject({
      environment: "local",
      registryUrl: base.REGISTRY_URL,
      registryIssuer: base.REGISTRY_URL,
      pairingTicketTtlSeconds: 300,
      crlFailMode: "open",
    });
    expect(config.relay).toMatchObject({
      queueCapacity: DEFAULTS.relayQueueCapacity,
      messageTtlMs: 6 * 3_600_000,
      retryBaseMs: 1_000,
      retryMaxMs: 60_000,
      circuitFailureThreshold: 5,
      circuitOpenMs: 30_000,
      senderRateLimitPerMinute: 60,
    });
  });

  it("reads numeric overrides given as strings", () => {
    const config = parseProxyConfig({ ...base, RELAY_QUEUE_CAPACITY: "10", SENDER_RATE_LIMIT_PER_MINUTE: 5 });
    expect(config.relay).toMatchObject({ queueCapacity: 10, senderRateLimitPerMinute: 5 });
  });

  it("requires a pairing secret outside local development", () => {
    expect(() => parseProxyConfig({ ...base, ENVIRONMENT: "production" })).toThrow(/PAIRING_TICKET_SECRET/);
    const config = parseProxyConfig({ ...base, ENVIRONMENT: "production", PAIRING_TICKET_SECRET: "s".repeat(32) });
    expect(config.pairingTicketSecret).toBe("s".repeat(32));
  });

  it("fails fast naming every bad variable", () => {
    const parse = () =>
      parseProxyConfig({ REGISTRY_URL: "not a url", RELAY_QUEUE_CAPACITY: "-1", CRL_FAIL_MODE: "maybe" });
    expect(parse).toThrow(ProxyConfigError);
    for (const name of ["REGISTRY_URL", "RELAY_QUEUE_CAPACITY", "CRL_FAIL_MODE"]) expect(parse).toThrow(name);
  });

  it("refuses a retry cap below the retry base", () => {
    expect(() => parseProxyConfig({ ...base, RELAY_RETRY_BASE_MS: 5_000, RELAY_RETRY_MAX_MS: 1_000 })).toThrow(
      /RELAY_RETRY_MAX_MS/,
    );
  });
});
