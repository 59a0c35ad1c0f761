import {
  agentListResponseSchema,
  agentResponseSchema,
  agentWithAitResponseSchema,
  type OwnerSessionResponse,
  resolveAgentResponseSchema,
} from "@clawdentity/protocol";
import { beforeAll, describe, expect, it } from "vitest";
import {
  bootstrapAdmin,
  createMember,
  createTestRegistry,
  createVerifier,
  expectError,
  registerAgent,
} from "./helpers";

describe("agent lifecycle: list, resolve, reissue, revoke", () => {
  const registry = createTestRegistry();
  const verifier = createVerifier(registry);
  let owner: OwnerSessionResponse;
  let other: OwnerSessionResponse;

  beforeAll(async () => {
    owner = await bootstrapAdmin(registry);
    other = await createMember(registry, owner, "Other");
  });

  it("lists only the caller's agents, newest first, page by page", async () => {
    const mine = [];
    for (let index = 0; index < 5; index++)
      mine.push((await registerAgent(registry, owner, { name: `list-${index}` })).agent);
    await registerAgent(registry, other, { name: "not-mine" });

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor ? `?limit=2&cursor=${cursor}` : "?limit=2";
      const response = await registry.call("GET", `/v1/agents${query}`, { token: owner.secret });
      expect(response.status).toBe(200);
      const page = agentListResponseSchema.parse(response.body);
      expect(page.agents.length).toBeLessThanOrEqual(2);
      seen.push(...page.agents.map((agent) => agent.name));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual(mine.map((agent) => agent.name).reverse());

    for (const query of ["?limit=0", "?limit=101", "?cursor=zzz", "?status=gone"]) {
      const response = await registry.call("GET", `/v1/agents${query}`, { token: owner.secret });
      expect(response.status, query).toBe(400);
      expect(response.body).toMatchObject({ error: { code: "REGISTRY_VALIDATION_FAILED" } });
    }
    expect((await registry.call("GET", "/v1/agents")).status).toBe(401);
  });

  it("resolves an agent publicly by id or DID", async () => {
    const { agent } = await registerAgent(registry, owner, { name: "Public" });
    for (const ref of [agent.id, agent.did, encodeURIComponent(agent.did)]) {
      const response = await registry.call("GET", `/v1/resolve/${ref}`);
      expect(response.status, ref).toBe(200);
      expect(resolveAgentResponseSchema.parse(response.body).agent).toEqual({
        did: agent.did,
        ownerDid: owner.owner.did,
        name: "Public",
        framework: agent.framework,
        publicKey: agent.publicKey,
        status: "active",
        createdAt: agent.createdAt,
        revokedAt: null,
        homeProxy: null,
      });
    }
    const unknown = await registry.call("GET", "/v1/resolve/01ARZ3NDEKTSV4RRFFQ69G5FAV");
    expectError(unknown, 404, "REGISTRY_AGENT_NOT_FOUND");
    const foreign = await registry.call("GET", `/v1/resolve/${agent.did.replace("127.0.0.1", "elsewhere.example")}`);
    expect(foreign.status).toBe(404);
    const malformed = await registry.call("GET", "/v1/resolve/not-an-agent");
    expectError(malformed, 400, "REGISTRY_VALIDATION_FAILED");
  });

  it("reissues: a new AIT, the old jti revoked with reason `reissued`", async () => {
    const registered = await registerAgent(registry, owner, { name: "Renewed", ttlDays: 10 });
    registry.clock.advance(60_000);
    const response = await registry.call("POST", `/v1/agents/${registered.agent.id}/reissue`, { token: owner.secret });
    expect(response.status).toBe(200);
    const { agent, ait } = agentWithAitResponseSchema.parse(response.body);
    expect(agent.currentJti).not.toBe(registered.agent.currentJti);
    expect(agent.ttlDays).toBe(10);
    const claims = await verifier.verifyAit(ait);
    expect(claims.jti).toBe(agent.currentJti);
    expect(claims.exp - claims.iat).toBe(10 * 86_400);

    const crl = await verifier.fetchCrl();
    expect(crl.revocations).toContainEqual(
      expect.objectContaining({ jti: registered.agent.currentJti, agentDid: agent.did, reason: "reissued" }),
    );
    expect(crl.revocations.some((entry) => entry.jti === agent.currentJti)).toBe(false);

    const longer = await registry.call("POST", `/v1/agents/${agent.did}/reissue`, {
      token: owner.secret,
      body: { ttlDays: 90 },
    });
    expect(agentWithAitResponseSchema.parse(longer.body).agent.ttlDays).toBe(90);
    const invalid = await registry.call("POST", `/v1/agents/${agent.id}/reissue`, {
      token: owner.secret,
      body: { ttlDays: 91 },
    });
    expect(invalid.status).toBe(400);
  });

  it("revokes: the CRL then lists the AIT's jti and still verifies", async () => {
    const { agent, ait } = await registerAgent(registry, owner, { name: "Doomed" });
    const response = await registry.call("DELETE", `/v1/agents/${agent.id}`, { token: owner.secret });
    expect(response.status).toBe(200);
    const revoked = agentResponseSchema.parse(response.body).agent;
    expect(revoked).toMatchObject({ id: agent.id, status: "revoked", currentJti: agent.currentJti });
    expect(revoked.revokedAt).not.toBeNull();

    const crl = await verifier.fetchCrl();
    const jti = (await verifier.verifyAit(ait)).jti;
    expect(crl.revocations).toContainEqual({
      jti,
      agentDid: agent.did,
      reason: "agent_revoked",
      revokedAt: Math.floor(Date.parse(revoked.revokedAt ?? "") / 1000),
    });

    const resolved = resolveAgentResponseSchema.parse((await registry.call("GET", `/v1/resolve/${agent.id}`)).body);
    expect(resolved.agent).toMatchObject({ status: "revoked", revokedAt: revoked.revokedAt });
    const revokedList = agentListResponseSchema.parse(
      (await registry.call("GET", "/v1/agents?status=revoked", { token: owner.secret })).body,
    );
    expect(revokedList.agents.map((entry) => entry.id)).toContain(agent.id);
  });

  it("revoking twice is idempotent: same answer, one revocation, one event", async () => {
    const { agent } = await registerAgent(registry, owner, { name: "Twice" });
    const first = await registry.call("DELETE", `/v1/agents/${agent.id}`, { token: owner.secret });
    registry.clock.advance(10_000);
    const second = await registry.call("DELETE", `/v1/agents/${agent.did}`, { token: owner.secret });
    expect(second.status).toBe(200);
    expect(second.body).toEqual(first.body);

    const db = registry.deps.db;
    const revocations = await db
      .prepare("SELECT COUNT(*) AS n FROM revocations WHERE agent_id = ?")
      .bind(agent.id)
      .first();
    const events = await db
      .prepare("SELECT COUNT(*) AS n FROM event_outbox WHERE payload LIKE ?")
      .bind(`%${agent.currentJti}%`)
      .first();
    expect(revocations).toEqual({ n: 1 });
    expect(events).toEqual({ n: 1 });
  });

  it("refuses to reissue a revoked agent", async () => {
    const { agent } = await registerAgent(registry, owner, { name: "Gone" });
    await registry.call("DELETE", `/v1/agents/${agent.id}`, { token: owner.secret });
    const response = await registry.call("POST", `/v1/agents/${agent.id}/reissue`, { token: owner.secret });
    expectError(response, 409, "REGISTRY_AGENT_REVOKED");
  });

  it("treats another owner's agent as not found", async () => {
    const { agent } = await registerAgent(registry, owner, { name: "Mine" });
    for (const [method, path] of [
      ["DELETE", `/v1/agents/${agent.id}`],
      ["POST", `/v1/agents/${agent.id}/reissue`],
    ] as const) {
      const response = await registry.call(method, path, { token: other.secret });
      expect(response.status, `${method} ${path}`).toBe(404);
      expect(response.body).toMatchObject({ error: { code: "REGISTRY_AGENT_NOT_FOUND" } });
    }
    const resolved = resolveAgentResponseSchema.parse((await registry.call("GET", `/v1/resolve/${agent.id}`)).body);
    expect(resolved.agent.status).toBe("active");
    expect((await registry.call("DELETE", `/v1/agents/${agent.id}`)).status).toBe(401);
    expect((await registry.call("DELETE", "/v1/agents/bogus", { token: owner.secret })).status).toBe(400);
  });

  it("serialises a revoke racing a reissue: one wins, the other never leaves a live token", async () => {
    const { agent } = await registerAgent(registry, owner, { name: "Contested" });
    const [revoke, reissue] = await Promise.all([
      registry.call("DELETE", `/v1/agents/${agent.id}`, { token: owner.secret }),
      registry.call("POST", `/v1/agents/${agent.id}/reissue`, { token: owner.secret }),
    ]);
    expect(revoke.status).toBe(200);
    expect([200, 409]).toContain(reissue.status);
    const crl = await verifier.fetchCrl();
    const final = resolveAgentResponseSchema.parse((await registry.call("GET", `/v1/resolve/${agent.id}`)).body);
    expect(final.agent.status).toBe("revoked");
    if (reissue.status === 200) {
      const reissuedJti = agentWithAitResponseSchema.parse(reissue.body).agent.currentJti;
      expect(crl.revocations.map((entry) => entry.jti)).toContain(reissuedJti);
    }
    expect(crl.revocations.map((entry) => entry.jti)).toContain(agent.currentJti);
  });
});
