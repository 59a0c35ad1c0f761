import {
  crlResponseSchema,
  errorEnvelopeSchema,
  healthResponseSchema,
  registryKeysDocumentSchema,
} from "@clawdentity/protocol";
import { verifyCrl } from "@clawdentity/sdk";
import { describe, expect, it } from "vitest";
import { createTestRegistry } from "./helpers";

describe("public verification material", () => {
  const registry = createTestRegistry({
    config: {
      publishedKeys: [{ kid: "old-key", alg: "EdDSA", crv: "Ed25519", x: "A".repeat(43), status: "revoked" }],
    },
  });

  it("reports health with a request id", async () => {
    const response = await registry.call("GET", "/health");
    expect(response.status).toBe(200);
    expect(healthResponseSchema.parse(response.body)).toEqual({
      status: "ok",
      version: "0.1.0",
      environment: "local",
      ready: true,
    });
    expect(response.headers.get("x-request-id")).toBeTruthy();
  });

  it("publishes the current key as active and older keys with their status", async () => {
    const response = await registry.call("GET", "/.well-known/claw-keys.json");
    expect(response.status).toBe(200);
    const document = registryKeysDocumentSchema.parse(response.body);
    expect(document.keys.map((key) => [key.kid, key.status])).toEqual([
      ["test-key-1", "active"],
      ["old-key", "revoked"],
    ]);
    expect(response.headers.get("cache-control")).toMatch(/max-age=\d+/);
  });

  it("serves an empty, signed revocation list with a short cache lifetime", async () => {
    const response = await registry.call("GET", "/v1/crl");
    expect(response.status).toBe(200);
    const { crl } = crlResponseSchema.parse(response.body);
    const keys = registryKeysDocumentSchema.parse((await registry.call("GET", "/.well-known/claw-keys.json")).body);
    const claims = await verifyCrl({
      token: crl,
      keys: { resolveKey: async (kid) => keys.keys.find((key) => key.kid === kid)?.x ?? "" },
      nowSeconds: Math.floor(registry.clock.nowMs() / 1000),
      issuer: "http://127.0.0.1:8788",
    });
    expect(claims.revocations).toEqual([]);
    expect(claims.exp - claims.iat).toBe(300);
    expect(response.headers.get("cache-control")).toBe("public, max-age=30");
  });

  it("answers unknown routes with the error envelope", async () => {
    const response = await registry.call("GET", "/v1/nothing-here");
    expect(response.status).toBe(404);
    const { error } = errorEnvelopeSchema.parse(response.body);
    expect(error.code).toBe("REGISTRY_NOT_FOUND");
    expect(error.requestId).toBe(response.headers.get("x-request-id"));
  });
});
