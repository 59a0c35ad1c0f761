import { describe, expect, it } from "vitest";
import { parseRegistryConfig, RegistryConfigError } from "../src/config";

const SEED = "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A";
const base = {
  ENVIRONMENT: "local",
  REGISTRY_ISSUER_URL: "http://127.0.0.1:8788",
  REGISTRY_SIGNING_KEY: SEED,
  REGISTRY_SIGNING_KID: "k1",
};

/** A complete deployed environment; each test removes or spoils one thing. */
const deployed = {
  ...base,
  ENVIRONMENT: "production",
  REGISTRY_ISSUER_URL: "https://registry.clawdentity.net",
  REGISTRY_SERVICE_TOKEN: "s".repeat(32),
};

describe("parseRegistryConfig: fail closed outside local development", () => {
  it("accepts a complete deployed environment", () => {
    expect(parseRegistryConfig(deployed)).toMatchObject({
      environment: "production",
      issuerUrl: "https://registry.clawdentity.net",
      serviceToken: "s".repeat(32),
    });
  });

  it.each(["ENVIRONMENT", "REGISTRY_ISSUER_URL", "REGISTRY_SIGNING_KEY", "REGISTRY_SIGNING_KID"] as const)(
    "refuses to start without %s, naming it (no development default)",
    (name) => {
      const { [name]: _omitted, ...rest } = deployed;
      expect(() => parseRegistryConfig(rest)).toThrow(new RegExp(name));
    },
  );

  it("refuses to start outside local development without REGISTRY_SERVICE_TOKEN", () => {
    for (const environment of ["dev", "production"]) {
      const { REGISTRY_SERVICE_TOKEN: _omitted, ...rest } = deployed;
      expect(() => parseRegistryConfig({ ...rest, ENVIRONMENT: environment })).toThrow(
        /REGISTRY_SERVICE_TOKEN: required outside local development/,
      );
    }
  });

  it.each([
    ["http://127.0.0.1:8788", /loopback/],
    ["https://registry.clawdentity.example", /placeholder/],
    ["http://registry.clawdentity.net", /https/],
  ])("refuses the issuer %s outside local development", (url, message) => {
    const parse = () => parseRegistryConfig({ ...deployed, REGISTRY_ISSUER_URL: url });
    expect(parse).toThrow(/REGISTRY_ISSUER_URL/);
    expect(parse).toThrow(message);
  });
});

describe("parseRegistryConfig", () => {
  it("applies the documented defaults", () => {
    const config = parseRegistryConfig(base);
    expect(config).toMatchObject({
      environment: "local",
      issuerUrl: "http://127.0.0.1:8788",
      didAuthority: "127.0.0.1",
      signingKey: { kid: "k1", seed: SEED },
      publishedKeys: [],
      bootstrapSecret: null,
      challengeTtlSeconds: 300,
      crl: { ttlSeconds: 300, cacheMaxAgeSeconds: 30 },
    });
    expect(config.rateLimits.resolve).toEqual({ limit: 120, windowSeconds: 60 });
  });

  it("takes the DID authority from the issuer hostname and drops a trailing slash", () => {
    const config = parseRegistryConfig({ ...base, REGISTRY_ISSUER_URL: "https://Registry.Example.com:8443/" });
    expect(config.issuerUrl).toBe("https://registry.example.com:8443");
    expect(config.didAuthority).toBe("registry.example.com");
  });

  it("parses published keys and never lists the current kid twice", () => {
    const x = "A".repeat(43);
    const config = parseRegistryConfig({
      ...base,
      REGISTRY_PUBLISHED_KEYS: JSON.stringify([
        { kid: "k0", x, status: "active" },
        { kid: "k1", x, status: "active" },
        { kid: "old", x, status: "revoked" },
      ]),
    });
    expect(config.publishedKeys).toEqual([
      { kid: "k0", alg: "EdDSA", crv: "Ed25519", x, status: "active" },
      { kid: "old", alg: "EdDSA", crv: "Ed25519", x, status: "revoked" },
    ]);
  });

  it("merges rate limit overrides and treats an empty bootstrap secret as disabled", () => {
    const config = parseRegistryConfig({
      ...base,
      BOOTSTRAP_SECRET: "",
      REGISTRY_RATE_LIMITS: JSON.stringify({ crl: { limit: 5, windowSeconds: 10 } }),
    });
    expect(config.bootstrapSecret).toBeNull();
    expect(config.rateLimits.crl).toEqual({ limit: 5, windowSeconds: 10 });
    expect(config.rateLimits.redeem).toEqual({ limit: 10, windowSeconds: 60 });
  });

  it.each([
    [{ REGISTRY_SIGNING_KID: "k1" }, "REGISTRY_SIGNING_KEY"],
    [{ ...base, REGISTRY_SIGNING_KEY: "too-short" }, "REGISTRY_SIGNING_KEY"],
    [{ ...base, REGISTRY_SIGNING_KID: "" }, "REGISTRY_SIGNING_KID"],
    [{ ...base, REGISTRY_ISSUER_URL: "ftp://registry.example" }, "REGISTRY_ISSUER_URL"],
    [{ ...base, REGISTRY_PUBLISHED_KEYS: "[{" }, "REGISTRY_PUBLISHED_KEYS"],
    [{ ...base, REGISTRY_PUBLISHED_KEYS: '[{"kid":"x","x":"short","status":"active"}]' }, "REGISTRY_PUBLISHED_KEYS"],
    [{ ...base, BOOTSTRAP_SECRET: "short" }, "BOOTSTRAP_SECRET"],
    [{ ...base, REGISTRY_RATE_LIMITS: '{"crl":{"limit":0,"windowSeconds":1}}' }, "REGISTRY_RATE_LIMITS"],
    [{ ...base, REGISTRY_RATE_LIMITS: '{"nope":{"limit":1,"windowSeconds":1}}' }, "REGISTRY_RATE_LIMITS"],
  ])("fails fast naming the bad variable (%#)", (env, variable) => {
    expect(() => parseRegistryConfig(env)).toThrow(RegistryConfigError);
    expect(() => parseRegistryConfig(env)).toThrow(variable);
  });
});
