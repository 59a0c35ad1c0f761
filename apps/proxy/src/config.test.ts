import { DEFAULTS } from "@clawdentity/protocol";
import { describe, expect, it } from "vitest";
import { ProxyConfigError, parseProxyConfig } from "./config";

const base = { ENVIRONMENT: "local", REGISTRY_URL: "http://127.0.0.1:8788", PROXY_ORIGIN: "http://127.0.0.1:8787" };

/** A complete deployed environment; each test removes or spoils one thing. */
const deployed = {
  ENVIRONMENT: "production",
  REGISTRY_URL: "https://registry.clawdentity.net",
  PAIRING_TICKET_SECRET: "p".repeat(32),
  METRICS_TOKEN: "m".repeat(32),
  REGISTRY_SERVICE_TOKEN: "s".repeat(32),
  PROXY_ORIGIN: "https://proxy.clawdentity.net",
  PROXY_SIGNING_KEY: "k".repeat(43),
};

describe("parseProxyConfig", () => {
  it("applies the PROTOCOL.md §10 defaults", () => {
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

  it("accepts a complete deployed environment", () => {
    const config = parseProxyConfig(deployed);
    expect(config).toMatchObject({
      environment: "production",
      pairingTicketSecret: deployed.PAIRING_TICKET_SECRET,
      metricsToken: deployed.METRICS_TOKEN,
      registryServiceToken: deployed.REGISTRY_SERVICE_TOKEN,
    });
  });

  it("takes the test runtime hook in local development only", () => {
    expect(parseProxyConfig(base).testRuntimeHook).toBe(false);
    expect(parseProxyConfig({ ...base, TEST_RUNTIME_HOOK: "on" }).testRuntimeHook).toBe(true);
    expect(() => parseProxyConfig({ ...deployed, TEST_RUNTIME_HOOK: "on" })).toThrow(/TEST_RUNTIME_HOOK/);
  });

  it("refuses to start without ENVIRONMENT: nothing defaults to local development", () => {
    const { ENVIRONMENT: _omitted, ...rest } = base;
    expect(() => parseProxyConfig(rest)).toThrow(/ENVIRONMENT/);
  });

  it("local development may run without a proxy key: federation is off, everything else as before", () => {
    expect(parseProxyConfig(base).federation).toMatchObject({ origin: base.PROXY_ORIGIN, signingKey: null });
    expect(parseProxyConfig(deployed).federation).toMatchObject({
      origin: deployed.PROXY_ORIGIN,
      signingKey: deployed.PROXY_SIGNING_KEY,
      proxyKeysCacheTtlMs: 60_000,
    });
    expect(() => parseProxyConfig({ ...base, PROXY_ORIGIN: "https://proxy.example/path" })).toThrow(/PROXY_ORIGIN/);
    expect(() => parseProxyConfig({ ...base, PROXY_SIGNING_KEY: "short" })).toThrow(/PROXY_SIGNING_KEY/);
  });

  it.each(["PAIRING_TICKET_SECRET", "METRICS_TOKEN", "REGISTRY_SERVICE_TOKEN", "PROXY_SIGNING_KEY"] as const)(
    "refuses to start outside local development without %s, naming it",
    (name) => {
      for (const environment of ["dev", "production"]) {
        const { [name]: _omitted, ...rest } = deployed;
        expect(() => parseProxyConfig({ ...rest, ENVIRONMENT: environment })).toThrow(
          new RegExp(`${name}: required outside local development`),
        );
      }
    },
  );

  it.each([
    ["REGISTRY_URL", "http://127.0.0.1:8788", /loopback/],
    ["REGISTRY_URL", "https://registry.clawdentity.example", /placeholder/],
    ["REGISTRY_URL", "http://registry.clawdentity.net", /https/],
    ["REGISTRY_ISSUER", "https://localhost:8788", /loopback/],
    ["PROXY_ORIGIN", "https://proxy.clawdentity.example", /placeholder/],
  ] as const)("refuses %s = %s outside local development", (name, value, message) => {
    const parse = () => parseProxyConfig({ ...deployed, [name]: value });
    expect(parse).toThrow(new RegExp(name));
    expect(parse).toThrow(message);
    expect(() => parseProxyConfig({ ...base, [name]: value })).not.toThrow();
  });

  it("fails fast naming every bad variable", () => {
    const parse = () =>
      parseProxyConfig({ ...base, REGISTRY_URL: "not a url", RELAY_QUEUE_CAPACITY: "-1", CRL_FAIL_MODE: "maybe" });
    expect(parse).toThrow(ProxyConfigError);
    for (const name of ["REGISTRY_URL", "RELAY_QUEUE_CAPACITY", "CRL_FAIL_MODE"]) expect(parse).toThrow(name);
  });

  it("refuses a retry cap below the retry base", () => {
    expect(() => parseProxyConfig({ ...base, RELAY_RETRY_BASE_MS: 5_000, RELAY_RETRY_MAX_MS: 1_000 })).toThrow(
      /RELAY_RETRY_MAX_MS/,
    );
  });
});
