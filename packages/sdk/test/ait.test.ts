import type { AitClaims } from "@clawdentity/protocol";
import { beforeAll, describe, expect, it } from "vitest";
import { ZodError } from "zod";
import {
  decodeAitClaims,
  decodeBase64url,
  type Ed25519KeyPair,
  generateEd25519KeyPair,
  signAit,
  verifyAit,
} from "../src/index";
import {
  createAitClaims,
  createTestRegistry,
  DAY_SECONDS,
  NOW_SECONDS,
  REGISTRY_KID,
  REGISTRY_URL,
  type TestRegistry,
} from "./fixtures";

let registry: TestRegistry;
let agent: Ed25519KeyPair;

beforeAll(async () => {
  registry = await createTestRegistry();
  agent = await generateEd25519KeyPair();
});

const sign = (claims: AitClaims) => signAit({ claims, kid: REGISTRY_KID, privateKey: registry.signingKey.privateKey });

describe("signAit", () => {
  it("produces a compact JWS with the EdDSA/AIT header and the registry kid", async () => {
    const token = await sign(createAitClaims(agent.publicKey));
    const [header] = token.split(".");
    expect(JSON.parse(new TextDecoder().decode(decodeBase64url(header ?? "")))).toEqual({
      alg: "EdDSA",
      typ: "AIT",
      kid: REGISTRY_KID,
    });
  });

  it("round-trips through verifyAit", async () => {
    const claims = createAitClaims(agent.publicKey);
    const verified = await verifyAit({
      token: await sign(claims),
      keys: registry.keys,
      nowSeconds: NOW_SECONDS,
      issuer: REGISTRY_URL,
    });
    expect(verified).toEqual(claims);
  });

  it.each([
    ["a lifetime over 90 days", { exp: NOW_SECONDS - DAY_SECONDS + 90 * DAY_SECONDS + 1 }],
    ["a lifetime under 60 s", { exp: NOW_SECONDS - DAY_SECONDS + 59 }],
    ["exp before nbf", { nbf: NOW_SECONDS + 40 * DAY_SECONDS }],
    ["a human sub", { sub: "did:cdi:registry.example.com:human:01JGQ8Z9ZQ0000000000000000" }],
    ["a bad jti", { jti: "nope" }],
  ])("refuses claims with %s", async (_label, overrides) => {
    await expect(sign(createAitClaims(agent.publicKey, overrides))).rejects.toThrow(ZodError);
  });

  it("refuses unknown claims", async () => {
    const claims = { ...createAitClaims(agent.publicKey), admin: true } as AitClaims;
    await expect(sign(claims)).rejects.toThrow(ZodError);
  });
});

describe("decodeAitClaims", () => {
  it("reads the claims of a well-formed AIT without verifying, and null for anything else", async () => {
    const claims = createAitClaims(agent.publicKey);
    expect(decodeAitClaims(await sign(claims))).toEqual(claims);
    expect(decodeAitClaims("not.a.token")).toBeNull();
    expect(decodeAitClaims("")).toBeNull();
    const [header, , signature] = (await sign(claims)).split(".");
    expect(decodeAitClaims(`${header}.${btoa("{}")}.${signature}`)).toBeNull();
  });
});
