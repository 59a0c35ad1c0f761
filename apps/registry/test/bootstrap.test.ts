import { meResponseSchema, ownerSessionResponseSchema } from "@clawdentity/protocol";
import { describe, expect, it } from "vitest";
import { createTestRegistry, expectError, TEST_BOOTSTRAP_SECRET } from "./helpers";

const bootstrap = (registry: ReturnType<typeof createTestRegistry>, secret?: string, body?: unknown) =>
  registry.call("POST", "/v1/admin/bootstrap", {
    headers: secret === undefined ? {} : { "x-bootstrap-secret": secret },
    ...(body === undefined ? {} : { body }),
  });

describe("POST /v1/admin/bootstrap", () => {
  const registry = createTestRegistry();

  it("is refused when no bootstrap secret is configured", async () => {
    const disabled = createTestRegistry({ config: { bootstrapSecret: null } });
    const response = await bootstrap(disabled, TEST_BOOTSTRAP_SECRET);
    expectError(response, 403, "REGISTRY_BOOTSTRAP_DISABLED");
  });

  it("refuses a missing or wrong secret", async () => {
    for (const secret of [undefined, "", "wrong-secret-0123456789", `${TEST_BOOTSTRAP_SECRET}x`]) {
      const response = await bootstrap(registry, secret);
      expectError(response, 401, "REGISTRY_BOOTSTRAP_SECRET_INVALID");
    }
  });

  it("refuses a malformed body without creating anything", async () => {
    const response = await bootstrap(registry, TEST_BOOTSTRAP_SECRET, { displayName: "bad\nname" });
    expectError(response, 400, "REGISTRY_VALIDATION_FAILED");
    const garbage = await registry.call("POST", "/v1/admin/bootstrap", {
      headers: { "x-bootstrap-secret": TEST_BOOTSTRAP_SECRET },
      rawBody: "{not json",
    });
    expectError(garbage, 400, "REGISTRY_BAD_REQUEST");
  });

  it("creates exactly one admin even when two bootstraps race", async () => {
    const [first, second] = await Promise.all([
      bootstrap(registry, TEST_BOOTSTRAP_SECRET, { displayName: "Root" }),
      bootstrap(registry, TEST_BOOTSTRAP_SECRET, { displayName: "Root" }),
    ]);
    const statuses = [first.status, second.status].sort();
    expect(statuses).toEqual([201, 409]);
    const winner = first.status === 201 ? first : second;
    const loser = first.status === 201 ? second : first;
    expect(loser.body).toMatchObject({ error: { code: "REGISTRY_BOOTSTRAP_ALREADY_DONE" } });

    const session = ownerSessionResponseSchema.parse(winner.body);
    expect(session.owner).toMatchObject({ displayName: "Root", role: "admin" });
    expect(session.owner.did).toBe(`did:cdi:127.0.0.1:human:${session.owner.id}`);
    expect(session.token.name).toBe("bootstrap");

    const me = await registry.call("GET", "/v1/me", { token: session.secret });
    expect(me.status).toBe(200);
    expect(meResponseSchema.parse(me.body).owner).toEqual(session.owner);
  });

  it("stays closed once an owner exists", async () => {
    const response = await bootstrap(registry, TEST_BOOTSTRAP_SECRET);
    expectError(response, 409, "REGISTRY_BOOTSTRAP_ALREADY_DONE");
  });

  it("stores only a hash of the token", async () => {
    const { results } = await registry.deps.db.prepare("SELECT token_hash FROM personal_access_tokens").all<{
      token_hash: string;
    }>();
    expect(results).toHaveLength(1);
    expect(results[0]?.token_hash).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(results[0]?.token_hash.startsWith("clw_pat_")).toBe(false);
  });
});
