import {
  type AgentWithAitResponse,
  agentResponseSchema,
  agentWithAitResponseSchema,
  type OwnerSessionResponse,
  RENEWAL_RECOVERY_SECONDS,
} from "@clawdentity/protocol";
import { createUlid, DAY_MS, generateEd25519KeyPair, signAit } from "@clawdentity/sdk";
import { beforeAll, describe, expect, it } from "vitest";
import { handleScheduled } from "../src/scheduled";
import {
  bootstrapAdmin,
  createMember,
  createRecordingProducer,
  createTestRegistry,
  createVerifier,
  expectError,
  type JsonResponse,
  prepareRegistration,
  type RegistrationOptions,
  registerAgent,
  signedRenewal,
  toUnverifiedClaims,
} from "./helpers";

describe("self-renewal: an agent renews its own AIT", () => {
  const recording = createRecordingProducer();
  const registry = createTestRegistry({ events: recording.producer });
  const verifier = createVerifier(registry);
  let owner: OwnerSessionResponse;
  let other: OwnerSessionResponse;

  beforeAll(async () => {
    owner = await bootstrapAdmin(registry);
    other = await createMember(registry, owner, "Other");
  });

  const register = async (options: RegistrationOptions & { name?: string } = {}) => {
    const registered = await registerAgent(registry, owner, options);
    return { ...registered, credentials: { ait: registered.ait, keyPair: registered.keyPair } };
  };
  const renewed = (response: JsonResponse<AgentWithAitResponse>) => {
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    return agentWithAitResponseSchema.parse(response.body);
  };

  it("issues a new AIT for the same DID and key and revokes the old jti with reason `renewed`", async () => {
    const { agent, credentials } = await register({ ttlDays: 10 });
    registry.clock.advance(5 * DAY_MS);
    const result = renewed(await signedRenewal(registry, credentials));

    const claims = await verifier.verifyAit(result.ait);
    expect(claims.sub).toBe(agent.did);
    expect(claims.jti).not.toBe(agent.currentJti);
    expect(claims.jti).toBe(result.agent.currentJti);
    expect(claims.cnf.jwk.x).toBe(agent.publicKey);
    expect(claims.exp - claims.iat).toBe(10 * 86_400);
    expect(result.agent).toMatchObject({ id: agent.id, did: agent.did, publicKey: agent.publicKey, ttlDays: 10 });
    expect(Date.parse(result.agent.aitExpiresAt)).toBe(claims.exp * 1000);

    const crl = await verifier.fetchCrl();
    expect(crl.revocations).toContainEqual(
      expect.objectContaining({ jti: agent.currentJti, agentDid: agent.did, reason: "renewed" }),
    );
    expect(crl.revocations.some((entry) => entry.jti === claims.jti)).toBe(false);
    const event = recording.sent.find((sent) => sent.data.jti === agent.currentJti);
    expect(event).toMatchObject({
      type: "agent.auth.revoked",
      initiatedByAccountId: agent.did,
      data: { agentDid: agent.did, jti: agent.currentJti, reason: "renewed" },
    });

    // The old AIT is spent: within minutes it only recovers a lost answer, then it is refused.
    const again = renewed(await signedRenewal(registry, credentials));
    expect(again).toEqual(result);
    registry.clock.advance(RENEWAL_RECOVERY_SECONDS * 1000 + 1_000);
    expectError(await signedRenewal(registry, credentials), 401, "REGISTRY_AUTH_AGENT_REVOKED");
    renewed(await signedRenewal(registry, { ait: result.ait, keyPair: credentials.keyPair }));
  });

  it("answers a lost renewal again, unchanged, when asked with the AIT it replaced", async () => {
    const { agent, credentials } = await register();
    const first = renewed(await signedRenewal(registry, credentials));
    registry.clock.advance(60_000);
    const recovered = renewed(await signedRenewal(registry, credentials));
    expect(recovered.ait).toBe(first.ait);
    expect(recovered.agent.currentJti).toBe(first.agent.currentJti);
    const revocations = await registry.deps.db
      .prepare("SELECT COUNT(*) AS n FROM revocations WHERE agent_id = ?")
      .bind(agent.id)
      .first();
    expect(revocations).toEqual({ n: 1 });
    // An AIT the owner revoked or reissued away from recovers nothing.
    const reissued = await registry.call("POST", `/v1/agents/${agent.id}/reissue`, { token: owner.secret });
    expect(reissued.status).toBe(200);
    expectError(await signedRenewal(registry, credentials), 401, "REGISTRY_AUTH_AGENT_REVOKED");
    expectError(
      await signedRenewal(registry, { ait: first.ait, keyPair: credentials.keyPair }),
      401,
      "REGISTRY_AUTH_AGENT_REVOKED",
    );
  });

  it("takes an AIT lifetime in seconds at registration, bounded to 60 s – 90 days", async () => {
    const { ait, agent } = await register({ ttlSeconds: 90 });
    const claims = await verifier.verifyAit(ait);
    expect(claims.exp - claims.iat).toBe(90);
    expect(agent).toMatchObject({ ttlSeconds: 90, ttlDays: 0 });
    for (const ttlSeconds of [59, 90 * 86_400 + 1]) {
      const { body } = await prepareRegistration(registry, owner, { name: `short-${ttlSeconds}` });
      const response = await registry.call("POST", "/v1/agents", {
        token: owner.secret,
        body: { ...body, ttlSeconds },
      });
      expectError(response, 400, "REGISTRY_VALIDATION_FAILED");
    }
  });

  it("refuses an expired AIT", async () => {
    const { credentials } = await register({ ttlSeconds: 120 });
    registry.clock.advance(121_000);
    expectError(await signedRenewal(registry, credentials), 401, "REGISTRY_AUTH_AIT_EXPIRED");
  });

  it("never renews a revoked agent", async () => {
    const { agent, credentials } = await register();
    await registry.call("DELETE", `/v1/agents/${agent.id}`, { token: owner.secret });
    expectError(await signedRenewal(registry, credentials), 401, "REGISTRY_AUTH_AGENT_REVOKED");
    const rows = await registry.deps.db
      .prepare("SELECT COUNT(*) AS n FROM revocations WHERE agent_id = ?")
      .bind(agent.id)
      .first();
    expect(rows).toEqual({ n: 1 });
  });

  it("refuses another agent's AIT and an AIT this registry did not sign", async () => {
    const mine = await register();
    const theirs = await register();
    const borrowed = await signedRenewal(registry, { ait: theirs.ait, keyPair: mine.keyPair });
    expectError(borrowed, 401, "REGISTRY_AUTH_INVALID_PROOF");

    const foreign = await generateEd25519KeyPair();
    const nowSeconds = Math.floor(registry.clock.nowMs() / 1000);
    const forged = await signAit({
      kid: "someone-else",
      privateKey: foreign.privateKey,
      claims: {
        ...toUnverifiedClaims(mine.ait),
        jti: createUlid(),
        iat: nowSeconds,
        nbf: nowSeconds,
        exp: nowSeconds + 86_400,
      },
    });
    expectError(
      await signedRenewal(registry, { ait: forged, keyPair: mine.keyPair }),
      401,
      "REGISTRY_AUTH_UNKNOWN_KID",
    );
    const unsigned = await registry.call("POST", "/v1/agents/renew");
    expectError(unsigned, 401, "REGISTRY_AUTH_MISSING_AUTHORIZATION");
    // Neither agent was renewed.
    const list = await registry.call<{ agents: Array<{ currentJti: string }> }>("GET", "/v1/agents", {
      token: owner.secret,
    });
    const jtis = list.body.agents.map((agent) => agent.currentJti);
    expect(jtis).toEqual(expect.arrayContaining([mine.agent.currentJti, theirs.agent.currentJti]));
  });

  it("spends a nonce once, even on a refused renewal, and prunes it after its window", async () => {
    const { agent, credentials } = await register({ selfRenewal: false });
    const nonce = createUlid();
    expectError(await signedRenewal(registry, credentials, { nonce }), 403, "REGISTRY_RENEWAL_DISABLED");
    await registry.call("PATCH", `/v1/agents/${agent.id}/renewal`, {
      token: owner.secret,
      body: { selfRenewal: true },
    });
    expectError(await signedRenewal(registry, credentials, { nonce }), 401, "REGISTRY_AUTH_REPLAYED_NONCE");

    const count = () =>
      registry.deps.db.prepare("SELECT COUNT(*) AS n FROM agent_request_nonces WHERE nonce = ?").bind(nonce).first();
    expect(await count()).toEqual({ n: 1 });
    registry.clock.advance(302_000);
    expect((await handleScheduled(registry.context)).prunedNonces).toBeGreaterThanOrEqual(1);
    expect(await count()).toEqual({ n: 0 });
  });

  it("follows the owner's policy: self-renewal off, then on", async () => {
    const { agent, credentials } = await register({ selfRenewal: false, maxLifetimeDays: 30 });
    expect(agent.renewal).toMatchObject({ selfRenewal: false, maxLifetimeDays: 30 });
    expectError(await signedRenewal(registry, credentials), 403, "REGISTRY_RENEWAL_DISABLED");

    const enabled = await registry.call("PATCH", `/v1/agents/${agent.did}/renewal`, {
      token: owner.secret,
      body: { selfRenewal: true },
    });
    expect(enabled.status).toBe(200);
    expect(agentResponseSchema.parse(enabled.body).agent.renewal).toMatchObject({
      selfRenewal: true,
      maxLifetimeDays: 30,
    });
    renewed(await signedRenewal(registry, credentials));

    const path = `/v1/agents/${agent.id}/renewal`;
    expectError(
      await registry.call("PATCH", path, { token: other.secret, body: { selfRenewal: false } }),
      404,
      "REGISTRY_AGENT_NOT_FOUND",
    );
    expectError(
      await registry.call("PATCH", path, { token: owner.secret, body: {} }),
      400,
      "REGISTRY_VALIDATION_FAILED",
    );
    expect((await registry.call("PATCH", path, { body: { selfRenewal: false } })).status).toBe(401);
  });

  it("defaults to self-renewal allowed for 365 days from registration", async () => {
    const { agent } = await register();
    expect(agent.renewal).toEqual({
      selfRenewal: true,
      maxLifetimeDays: 365,
      lifetimeStartedAt: agent.createdAt,
      renewableUntil: new Date(Date.parse(agent.createdAt) + 365 * DAY_MS).toISOString(),
    });
  });

  it("caps renewed AITs at the maximum lifetime, refuses past it, and starts again after a reissue", async () => {
    const { agent, credentials } = await register({ ttlDays: 1, maxLifetimeDays: 2 });
    const renewableUntil = Date.parse(agent.renewal.renewableUntil);
    registry.clock.advance(DAY_MS / 2);
    const first = renewed(await signedRenewal(registry, credentials));
    const firstClaims = await verifier.verifyAit(first.ait);
    expect(firstClaims.exp - firstClaims.iat).toBe(86_400);

    registry.clock.advance(1.3 * DAY_MS - DAY_MS / 2 + DAY_MS / 10);
    const second = renewed(await signedRenewal(registry, { ait: first.ait, keyPair: credentials.keyPair }));
    expect((await verifier.verifyAit(second.ait)).exp * 1000).toBeLessThanOrEqual(renewableUntil);
    expect(Date.parse(second.agent.aitExpiresAt)).toBeGreaterThan(renewableUntil - 1_000);

    registry.clock.advance(renewableUntil - 30_000 - registry.clock.nowMs());
    const third = await signedRenewal(registry, { ait: second.ait, keyPair: credentials.keyPair });
    expectError(third, 403, "REGISTRY_RENEWAL_LIFETIME_EXCEEDED");

    const reissued = await registry.call("POST", `/v1/agents/${agent.id}/reissue`, { token: owner.secret });
    const fresh = agentWithAitResponseSchema.parse(reissued.body);
    expect(Date.parse(fresh.agent.renewal.lifetimeStartedAt)).toBe(registry.clock.nowMs());
    renewed(await signedRenewal(registry, { ait: fresh.ait, keyPair: credentials.keyPair }));
  });

  it("rotates the key: the new key's AIT works, the old key's is refused, the old key never registers again", async () => {
    const { agent, credentials } = await register();
    const newKey = await generateEd25519KeyPair();
    const result = renewed(await signedRenewal(registry, credentials, { newKey }));
    const claims = await verifier.verifyAit(result.ait);
    expect(claims.cnf.jwk.x).toBe(newKey.publicKey);
    expect(result.agent).toMatchObject({ did: agent.did, publicKey: newKey.publicKey });
    const resolved = await registry.call<{ agent: { publicKey: string } }>("GET", `/v1/resolve/${agent.did}`);
    expect(resolved.body.agent.publicKey).toBe(newKey.publicKey);

    // The old key's AIT is revoked (it recovers the new AIT for a few minutes, then nothing).
    expect(renewed(await signedRenewal(registry, credentials)).ait).toBe(result.ait);
    registry.clock.advance(RENEWAL_RECOVERY_SECONDS * 1000 + 1_000);
    expectError(await signedRenewal(registry, credentials), 401, "REGISTRY_AUTH_AGENT_REVOKED");
    const wrongKey = await signedRenewal(registry, { ait: result.ait, keyPair: credentials.keyPair });
    expectError(wrongKey, 401, "REGISTRY_AUTH_INVALID_PROOF");
    renewed(await signedRenewal(registry, { ait: result.ait, keyPair: newKey }));

    const { body } = await prepareRegistration(registry, owner, { name: "reuse", keyPair: credentials.keyPair });
    const reuse = await registry.call("POST", "/v1/agents", { token: owner.secret, body });
    expectError(reuse, 409, "REGISTRY_AGENT_KEY_IN_USE");
  });

  it("refuses a rotation whose proof is bad, bound to another request, or names a key in use", async () => {
    const { credentials } = await register();
    const other = await register();
    const newKey = await generateEd25519KeyPair();
    const otherNonce = await signedRenewal(registry, credentials, { newKey, proofNonce: createUlid() });
    expectError(otherNonce, 400, "REGISTRY_KEY_PROOF_INVALID");
    const taken = await signedRenewal(registry, credentials, { newKey: other.keyPair });
    expectError(taken, 409, "REGISTRY_AGENT_KEY_IN_USE");
    // Nothing changed: the agent still renews with its own key.
    const result = renewed(await signedRenewal(registry, credentials));
    expect((await verifier.verifyAit(result.ait)).cnf.jwk.x).toBe(credentials.keyPair.publicKey);
  });

  it("serialises two renewals with the same AIT: one new AIT, the other call refused or answered the same", async () => {
    const { agent, credentials } = await register();
    const answers = await Promise.all([signedRenewal(registry, credentials), signedRenewal(registry, credentials)]);
    const issued = new Set(answers.filter((answer) => answer.status === 200).map((answer) => answer.body.ait));
    expect(issued.size).toBe(1);
    for (const answer of answers) expect([200, 401, 409]).toContain(answer.status);
    const current = await registry.call<{ agents: Array<{ id: string; currentJti: string }> }>("GET", "/v1/agents", {
      token: owner.secret,
    });
    const jti = current.body.agents.find((entry) => entry.id === agent.id)?.currentJti;
    expect(toUnverifiedClaims([...issued][0] ?? "").jti).toBe(jti);
  });
});
