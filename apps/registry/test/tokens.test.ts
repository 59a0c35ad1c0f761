import {
  createdTokenResponseSchema,
  type OwnerSessionResponse,
  tokenListResponseSchema,
  tokenResponseSchema,
} from "@clawdentity/protocol";
import { beforeAll, describe, expect, it } from "vitest";
import { bootstrapAdmin, createMember, createTestRegistry, expectError } from "./helpers";

describe("owner authentication and personal access tokens", () => {
  const registry = createTestRegistry();
  let admin: OwnerSessionResponse;
  let member: OwnerSessionResponse;

  beforeAll(async () => {
    admin = await bootstrapAdmin(registry);
    member = await createMember(registry, admin);
  });

  it("refuses missing, malformed, forged and wrong-scheme credentials with one code", async () => {
    const forged = `${admin.secret.slice(0, -4)}AAAA`;
    const unknownId = admin.secret.replace(/clw_pat_[0-9A-Z]{26}/, "clw_pat_01ARZ3NDEKTSV4RRFFQ69G5FAV");
    const cases: Record<string, string>[] = [
      {},
      { authorization: "Bearer" },
      { authorization: "Bearer not-a-token" },
      { authorization: `Basic ${admin.secret}` },
      { authorization: `Bearer ${forged}` },
      { authorization: `Bearer ${unknownId}` },
      { authorization: `Bearer ${admin.secret} extra` },
    ];
    for (const headers of cases) {
      const response = await registry.call("GET", "/v1/me", { headers });
      expect(response.status, JSON.stringify(headers)).toBe(401);
      expect(response.body).toMatchObject({ error: { code: "REGISTRY_UNAUTHORIZED" } });
      expect(response.headers.get("www-authenticate")).toBe("Bearer");
    }
  });

  it("creates, lists and revokes tokens; a revoked token stops working", async () => {
    const created = await registry.call("POST", "/v1/me/tokens", { token: member.secret, body: { name: "laptop" } });
    expect(created.status).toBe(201);
    const { token, secret } = createdTokenResponseSchema.parse(created.body);
    expect(token).toMatchObject({ name: "laptop", expiresAt: null, revokedAt: null });
    expect((await registry.call("GET", "/v1/me", { token: secret })).status).toBe(200);

    const list = tokenListResponseSchema.parse((await registry.call("GET", "/v1/me/tokens", { token: secret })).body);
    expect(list.tokens.map((entry) => entry.id)).toEqual([token.id, member.token.id]);
    expect(list.tokens.find((entry) => entry.id === token.id)?.lastUsedAt).not.toBeNull();

    const revoked = await registry.call("DELETE", `/v1/me/tokens/${token.id}`, { token: member.secret });
    expect(revoked.status).toBe(200);
    const revokedAt = tokenResponseSchema.parse(revoked.body).token.revokedAt;
    expect(revokedAt).not.toBeNull();
    const me = await registry.call("GET", "/v1/me", { token: secret });
    expect(me.status).toBe(401);

    // Revoking again is harmless and keeps the first timestamp.
    registry.clock.advance(5_000);
    const again = await registry.call("DELETE", `/v1/me/tokens/${token.id}`, { token: member.secret });
    expect(tokenResponseSchema.parse(again.body).token.revokedAt).toBe(revokedAt);
  });

  it("does not let an owner list or revoke another owner's token", async () => {
    const list = tokenListResponseSchema.parse(
      (await registry.call("GET", "/v1/me/tokens", { token: member.secret })).body,
    );
    expect(list.tokens.some((entry) => entry.id === admin.token.id)).toBe(false);
    const response = await registry.call("DELETE", `/v1/me/tokens/${admin.token.id}`, { token: member.secret });
    expectError(response, 404, "REGISTRY_TOKEN_NOT_FOUND");
    expect((await registry.call("GET", "/v1/me", { token: admin.secret })).status).toBe(200);
  });

  it("expires tokens created with a lifetime", async () => {
    const created = await registry.call("POST", "/v1/me/tokens", {
      token: member.secret,
      body: { name: "ci", expiresInDays: 1 },
    });
    const { secret } = createdTokenResponseSchema.parse(created.body);
    expect((await registry.call("GET", "/v1/me", { token: secret })).status).toBe(200);
    registry.clock.advance(86_400_000);
    const expired = await registry.call("GET", "/v1/me", { token: secret });
    expect(expired.status).toBe(401);
    expect(expired.body).toMatchObject({
      error: { code: "REGISTRY_UNAUTHORIZED", message: expect.stringContaining("expired") },
    });
  });

  it("validates token requests", async () => {
    const cases = [{}, { name: "" }, { name: "x", expiresInDays: 0 }, { name: "x", expiresInDays: 366 }];
    for (const body of cases) {
      const response = await registry.call("POST", "/v1/me/tokens", { token: member.secret, body });
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(response.body).toMatchObject({ error: { code: "REGISTRY_VALIDATION_FAILED" } });
    }
    const badId = await registry.call("DELETE", "/v1/me/tokens/not-an-id", { token: member.secret });
    expect(badId.status).toBe(400);
  });

  it("refuses oversized bodies with 413", async () => {
    const response = await registry.call("POST", "/v1/me/tokens", {
      token: member.secret,
      rawBody: JSON.stringify({ name: "x".repeat(20_000) }),
    });
    expectError(response, 413, "REGISTRY_PAYLOAD_TOO_LARGE");
  });
});
