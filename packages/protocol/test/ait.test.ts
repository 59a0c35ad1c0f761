import { describe, expect, it } from "vitest";
import {
  AIT_DEFAULT_TTL_DAYS,
  AIT_MAX_TTL_DAYS,
  AIT_MAX_TTL_SECONDS,
  AIT_MIN_TTL_DAYS,
  AIT_MIN_TTL_SECONDS,
  type AitClaims,
  agentNameSchema,
  aitClaimsSchema,
  aitHeaderSchema,
  ed25519PublicJwkSchema,
  frameworkSchema,
  ttlDaysSchema,
  ttlSecondsSchema,
} from "../src/index";
import { AGENT_DID, DAY_SECONDS, HUMAN_DID, NOW_SECONDS, PUBLIC_KEY_X, ULID_B, without } from "./fixtures";

const claims: AitClaims = {
  iss: "https://registry.example.com",
  sub: AGENT_DID,
  ownerDid: HUMAN_DID,
  name: "support-bot v2",
  framework: "openclaw",
  cnf: { jwk: { kty: "OKP", crv: "Ed25519", x: PUBLIC_KEY_X } },
  iat: NOW_SECONDS,
  nbf: NOW_SECONDS,
  exp: NOW_SECONDS + AIT_DEFAULT_TTL_DAYS * DAY_SECONDS,
  jti: ULID_B,
};

const withClaims = (patch: Record<string, unknown>) => ({ ...claims, ...patch });

describe("aitHeaderSchema", () => {
  it("accepts the EdDSA/AIT header with a kid", () => {
    expect(aitHeaderSchema.parse({ alg: "EdDSA", typ: "AIT", kid: "reg-2026-01" })).toEqual({
      alg: "EdDSA",
      typ: "AIT",
      kid: "reg-2026-01",
    });
  });

  it.each([
    ["another alg", { alg: "ES256", typ: "AIT", kid: "k" }],
    ["another typ", { alg: "EdDSA", typ: "JWT", kid: "k" }],
    ["no kid", { alg: "EdDSA", typ: "AIT" }],
    ["an empty kid", { alg: "EdDSA", typ: "AIT", kid: "" }],
    ["a kid past 128 characters", { alg: "EdDSA", typ: "AIT", kid: "k".repeat(129) }],
  ])("rejects %s", (_label, header) => {
    expect(aitHeaderSchema.safeParse(header).success).toBe(false);
  });
});

describe("aitClaimsSchema", () => {
  it("accepts a complete 30-day AIT", () => {
    expect(aitClaimsSchema.parse(claims)).toEqual(claims);
  });

  it("rejects unknown claims at the top level and inside cnf", () => {
    expect(aitClaimsSchema.safeParse(withClaims({ scope: "admin" })).success).toBe(false);
    expect(aitClaimsSchema.safeParse(withClaims({ cnf: { jwk: claims.cnf.jwk, kid: "x" } })).success).toBe(false);
    expect(
      aitClaimsSchema.safeParse(withClaims({ cnf: { jwk: { ...claims.cnf.jwk, d: PUBLIC_KEY_X } } })).success,
    ).toBe(false);
  });

  it.each(["iss", "sub", "ownerDid", "name", "framework", "cnf", "iat", "nbf", "exp", "jti"] as const)(
    "rejects claims without %s",
    (key) => {
      expect(aitClaimsSchema.safeParse(without(claims, key)).success).toBe(false);
    },
  );

  it("accepts the lifetime bounds exactly and rejects one second past them", () => {
    const lifetime = (days: number, extraSeconds = 0) =>
      withClaims({ exp: NOW_SECONDS + days * DAY_SECONDS + extraSeconds });
    expect(aitClaimsSchema.safeParse(lifetime(0, AIT_MIN_TTL_SECONDS)).success).toBe(true);
    expect(aitClaimsSchema.safeParse(lifetime(AIT_MAX_TTL_DAYS)).success).toBe(true);
    expect(aitClaimsSchema.safeParse(lifetime(0, AIT_MIN_TTL_SECONDS - 1)).success).toBe(false);
    expect(aitClaimsSchema.safeParse(lifetime(AIT_MAX_TTL_DAYS, 1)).success).toBe(false);
  });

  it("rejects exp at or before nbf", () => {
    const atNbf = withClaims({ nbf: claims.exp });
    const result = aitClaimsSchema.safeParse(atNbf);
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((issue) => issue.message)).toContain("exp must be after nbf");
  });

  it.each([
    ["a sub that is a human DID", { sub: HUMAN_DID }],
    ["an ownerDid that is an agent DID", { ownerDid: AGENT_DID }],
    ["an iss that is not a URL", { iss: "registry.example.com" }],
    ["a jti that is not a ULID", { jti: "abc" }],
    ["a fractional iat", { iat: NOW_SECONDS + 0.5 }],
    ["a negative nbf", { nbf: -1 }],
    ["a name with a slash", { name: "a/b" }],
    ["a framework with a newline", { framework: "open\nclaw" }],
  ])("rejects %s", (_label, patch) => {
    expect(aitClaimsSchema.safeParse(withClaims(patch)).success).toBe(false);
  });

  it.each([
    ["another kty", { kty: "EC", crv: "Ed25519", x: PUBLIC_KEY_X }],
    ["another curve", { kty: "OKP", crv: "X25519", x: PUBLIC_KEY_X }],
    ["a short x", { kty: "OKP", crv: "Ed25519", x: PUBLIC_KEY_X.slice(1) }],
    ["a padded x", { kty: "OKP", crv: "Ed25519", x: `${PUBLIC_KEY_X.slice(1)}=` }],
    ["a base64 (not url) x", { kty: "OKP", crv: "Ed25519", x: `${PUBLIC_KEY_X.slice(1)}+` }],
  ])("rejects a cnf key with %s", (_label, jwk) => {
    expect(ed25519PublicJwkSchema.safeParse(jwk).success).toBe(false);
    expect(aitClaimsSchema.safeParse(withClaims({ cnf: { jwk } })).success).toBe(false);
  });
});

describe("AIT field schemas", () => {
  it("agentNameSchema allows 1-64 letters, digits, dot, underscore, dash and space", () => {
    expect(agentNameSchema.safeParse("a").success).toBe(true);
    expect(agentNameSchema.safeParse("My_Agent-1.0 beta").success).toBe(true);
    expect(agentNameSchema.safeParse("a".repeat(64)).success).toBe(true);
    expect(agentNameSchema.safeParse("").success).toBe(false);
    expect(agentNameSchema.safeParse("a".repeat(65)).success).toBe(false);
    expect(agentNameSchema.safeParse("émile").success).toBe(false);
  });

  it("frameworkSchema allows 1-32 characters without control characters", () => {
    expect(frameworkSchema.safeParse("langgraph").success).toBe(true);
    expect(frameworkSchema.safeParse("").success).toBe(false);
    expect(frameworkSchema.safeParse("x".repeat(33)).success).toBe(false);
    expect(frameworkSchema.safeParse("tab\there").success).toBe(false);
  });

  it("ttlDaysSchema is an integer between the lifetime bounds", () => {
    expect(ttlDaysSchema.safeParse(AIT_MIN_TTL_DAYS).success).toBe(true);
    expect(ttlDaysSchema.safeParse(AIT_MAX_TTL_DAYS).success).toBe(true);
    expect(ttlDaysSchema.safeParse(0).success).toBe(false);
    expect(ttlDaysSchema.safeParse(91).success).toBe(false);
    expect(ttlDaysSchema.safeParse(1.5).success).toBe(false);
    expect(ttlSecondsSchema.safeParse(AIT_MIN_TTL_SECONDS).success).toBe(true);
    expect(ttlSecondsSchema.safeParse(AIT_MAX_TTL_SECONDS + 1).success).toBe(false);
    expect([AIT_MIN_TTL_DAYS, AIT_DEFAULT_TTL_DAYS, AIT_MAX_TTL_DAYS]).toEqual([1, 30, 90]);
    expect([AIT_MIN_TTL_SECONDS, AIT_MAX_TTL_SECONDS]).toEqual([60, 90 * 86_400]);
  });
});
