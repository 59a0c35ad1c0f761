import { describe, expect, it } from "vitest";
import { REGISTRY_KEYS_PATH, registryKeySchema, registryKeysDocumentSchema } from "../src/index";
import { PUBLIC_KEY_X, without } from "./fixtures";

const key = { kid: "reg-1", alg: "EdDSA", crv: "Ed25519", x: PUBLIC_KEY_X, status: "active" } as const;

describe("registry keys document", () => {
  it("is served at the well-known path", () => {
    expect(REGISTRY_KEYS_PATH).toBe("/.well-known/claw-keys.json");
  });

  it("accepts active and revoked keys, and an empty list", () => {
    const document = { keys: [key, { ...key, kid: "reg-0", status: "revoked" }] };
    expect(registryKeysDocumentSchema.parse(document)).toEqual(document);
    expect(registryKeysDocumentSchema.safeParse({ keys: [] }).success).toBe(true);
  });

  it.each([
    ["an unknown status", { status: "retired" }],
    ["another alg", { alg: "RS256" }],
    ["another curve", { crv: "P-256" }],
    ["a short x", { x: PUBLIC_KEY_X.slice(2) }],
    ["an empty kid", { kid: "" }],
  ])("rejects a key with %s", (_label, patch) => {
    expect(registryKeySchema.safeParse({ ...key, ...patch }).success).toBe(false);
  });

  it.each(["kid", "alg", "crv", "x", "status"] as const)("rejects a key without %s", (field) => {
    expect(registryKeySchema.safeParse(without(key, field)).success).toBe(false);
  });

  it("rejects a document without keys", () => {
    expect(registryKeysDocumentSchema.safeParse({}).success).toBe(false);
  });
});
