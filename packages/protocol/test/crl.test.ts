import { describe, expect, it } from "vitest";
import {
  type CrlClaims,
  crlClaimsSchema,
  crlHeaderSchema,
  crlResponseSchema,
  revocationEntrySchema,
} from "../src/index";
import { AGENT_DID, HUMAN_DID, NOW_SECONDS, ULID_A, ULID_B, without } from "./fixtures";

const entry = { jti: ULID_A, agentDid: AGENT_DID, reason: "key compromised", revokedAt: NOW_SECONDS - 60 };
const claims: CrlClaims = {
  iss: "https://registry.example.com",
  jti: ULID_B,
  iat: NOW_SECONDS,
  exp: NOW_SECONDS + 3_600,
  revocations: [entry],
};

describe("crlClaimsSchema", () => {
  it("accepts a list with revocations", () => {
    expect(crlClaimsSchema.parse(claims)).toEqual(claims);
  });

  it("accepts an empty revocation list", () => {
    expect(crlClaimsSchema.parse({ ...claims, revocations: [] }).revocations).toEqual([]);
  });

  it("rejects unknown claims", () => {
    expect(crlClaimsSchema.safeParse({ ...claims, sub: AGENT_DID }).success).toBe(false);
  });

  it.each(["iss", "jti", "iat", "exp", "revocations"] as const)("rejects claims without %s", (key) => {
    expect(crlClaimsSchema.safeParse(without(claims, key)).success).toBe(false);
  });

  it("rejects exp at or before iat", () => {
    expect(crlClaimsSchema.safeParse({ ...claims, exp: claims.iat }).success).toBe(false);
  });
});

describe("revocationEntrySchema", () => {
  it("makes reason optional", () => {
    expect(revocationEntrySchema.safeParse(without(entry, "reason")).success).toBe(true);
  });

  it.each([
    ["a human DID", { agentDid: HUMAN_DID }],
    ["a bad jti", { jti: "x" }],
    ["an empty reason", { reason: "" }],
    ["a reason with a control character", { reason: "bad\u0000" }],
    ["a reason past 280 characters", { reason: "r".repeat(281) }],
    ["an ISO revokedAt", { revokedAt: "2026-01-01T00:00:00Z" }],
    ["an unknown field", { note: "x" }],
  ])("rejects %s", (_label, patch) => {
    expect(revocationEntrySchema.safeParse({ ...entry, ...patch }).success).toBe(false);
  });
});

describe("CRL header and response", () => {
  it("requires typ CRL", () => {
    expect(crlHeaderSchema.safeParse({ alg: "EdDSA", typ: "CRL", kid: "k" }).success).toBe(true);
    expect(crlHeaderSchema.safeParse({ alg: "EdDSA", typ: "AIT", kid: "k" }).success).toBe(false);
  });

  it("wraps the token as {crl}", () => {
    expect(crlResponseSchema.safeParse({ crl: "a.b.c" }).success).toBe(true);
    expect(crlResponseSchema.safeParse({ crl: "" }).success).toBe(false);
    expect(crlResponseSchema.safeParse({}).success).toBe(false);
  });
});
