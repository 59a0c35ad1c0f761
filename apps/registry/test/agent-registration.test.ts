import {
  agentChallengeResponseSchema,
  agentWithAitResponseSchema,
  type OwnerSessionResponse,
  registryKeysDocumentSchema,
} from "@clawdentity/protocol";
import { createRegistryKeysCache, generateEd25519KeyPair, verifyAit } from "@clawdentity/sdk";
import { beforeAll, describe, expect, it } from "vitest";
import {
  bootstrapAdmin,
  createMember,
  createTestRegistry,
  expectError,
  prepareRegistration,
  registerAgent,
  toRegistrationBody,
} from "./helpers";

describe("agent registration", () => {
  const registry = createTestRegistry();
  let owner: OwnerSessionResponse;
  let other: OwnerSessionResponse;

  beforeAll(async () => {
    owner = await bootstrapAdmin(registry);
    other = await createMember(registry, owner, "Other");
  });

  const register = (body: unknown, token = owner.secret) => registry.call("POST", "/v1/agents", { token, body });

  it("issues a one-time challenge bound to the owner", async () => {
    const keyPair = await generateEd25519KeyPair();
    const response = await registry.call("POST", "/v1/agents/challenge", {
      token: owner.secret,
      body: { publicKey: keyPair.publicKey },
    });
    expect(response.status).toBe(201);
    const challenge = agentChallengeResponseSchema.parse(response.body);
    expect(challenge.ownerDid).toBe(owner.owner.did);
    expect(Date.parse(challenge.expiresAt) - registry.clock.nowMs()).toBe(300_000);
  });

  it("refuses a challenge without a token or with a malformed key", async () => {
    expect((await registry.call("POST", "/v1/agents/challenge", { body: { publicKey: "x" } })).status).toBe(401);
    for (const publicKey of ["short", "A".repeat(44), `${"A".repeat(42)}=`]) {
      const response = await registry.call("POST", "/v1/agents/challenge", {
        token: owner.secret,
        body: { publicKey },
      });
      expect(response.status, publicKey).toBe(400);
      expect(response.body).toMatchObject({ error: { code: "REGISTRY_VALIDATION_FAILED" } });
    }
  });

  it("registers an agent whose AIT verifies against the published keys", async () => {
    const { keyPair, body } = await prepareRegistration(registry, owner, {
      name: "Scout",
      framework: "langgraph",
      ttlDays: 7,
    });
    const response = await register(body);
    expect(response.status).toBe(201);
    const { agent, ait } = agentWithAitResponseSchema.parse(response.body);
    expect(agent).toMatchObject({
      ownerDid: owner.owner.did,
      name: "Scout",
      framework: "langgraph",
      publicKey: keyPair.publicKey,
      status: "active",
      ttlDays: 7,
      revokedAt: null,
    });
    expect(agent.did).toBe(`did:cdi:127.0.0.1:agent:${agent.id}`);

    const keys = createRegistryKeysCache({
      fetchKeys: async () =>
        registryKeysDocumentSchema.parse((await registry.call("GET", "/.well-known/claw-keys.json")).body),
    });
    const claims = await verifyAit({
      token: ait,
      keys,
      nowSeconds: Math.floor(registry.clock.nowMs() / 1000),
      issuer: "http://127.0.0.1:8788",
    });
    expect(claims).toMatchObject({
      sub: agent.did,
      ownerDid: owner.owner.did,
      name: "Scout",
      framework: "langgraph",
      cnf: { jwk: { kty: "OKP", crv: "Ed25519", x: keyPair.publicKey } },
      jti: agent.currentJti,
    });
    expect(claims.exp - claims.iat).toBe(7 * 86_400);
    expect(new Date(claims.exp * 1000).toISOString()).toBe(agent.aitExpiresAt);
  });

  it("defaults the AIT lifetime to 30 days", async () => {
    const { agent } = await registerAgent(registry, owner);
    expect(agent.ttlDays).toBe(30);
    expect(Date.parse(agent.aitExpiresAt) - Date.parse(agent.createdAt)).toBeCloseTo(30 * 86_400_000, -4);
  });

  it("refuses a replayed challenge", async () => {
    const { body } = await prepareRegistration(registry, owner, { name: "Once" });
    expect((await register(body)).status).toBe(201);
    const replay = await register(body);
    expectError(replay, 409, "REGISTRY_CHALLENGE_USED");
  });

  it("lets only one of two racing registrations spend a challenge", async () => {
    const { body } = await prepareRegistration(registry, owner, { name: "Racer" });
    const results = await Promise.all([register(body), register(body)]);
    expect(results.map((result) => result.status).sort()).toEqual([201, 409]);
  });

  it("refuses an expired challenge", async () => {
    const { body } = await prepareRegistration(registry, owner, { name: "Late" });
    registry.clock.advance(300_000);
    const response = await register(body);
    expectError(response, 410, "REGISTRY_CHALLENGE_EXPIRED");
  });

  it("refuses a bad proof: wrong signer, other name, or garbage", async () => {
    const { challenge, body: honest } = await prepareRegistration(registry, owner, { name: "Bad" });
    const impostor = await generateEd25519KeyPair();
    const signedByImpostor = await toRegistrationBody({ challenge, keyPair: impostor, name: "Bad" });
    const cases = [
      { ...honest, challengeSignature: signedByImpostor.challengeSignature },
      { ...honest, name: "Renamed" },
      { ...honest, challengeSignature: "A".repeat(86) },
      { ...honest, challengeSignature: "AAAA" },
    ];
    for (const body of cases) {
      const response = await register(body);
      expectError(response, 400, "REGISTRY_CHALLENGE_SIGNATURE_INVALID");
    }
    // Failed proofs do not burn the challenge.
    expect((await register(honest)).status).toBe(201);
  });

  it("refuses a key other than the one the challenge was issued for", async () => {
    const { challenge } = await prepareRegistration(registry, owner, { name: "Swap" });
    const otherKey = await generateEd25519KeyPair();
    const response = await register(await toRegistrationBody({ challenge, keyPair: otherKey, name: "Swap" }));
    expectError(response, 400, "REGISTRY_CHALLENGE_KEY_MISMATCH");
  });

  it("hides another owner's challenge", async () => {
    const { body } = await prepareRegistration(registry, owner, { name: "Theft" });
    const response = await register(body, other.secret);
    expectError(response, 404, "REGISTRY_CHALLENGE_NOT_FOUND");
    const unknown = await register({ ...body, challengeId: "01ARZ3NDEKTSV4RRFFQ69G5FAV" });
    expect(unknown.status).toBe(404);
  });

  it("refuses a taken name and a reused key", async () => {
    const first = await registerAgent(registry, owner, { name: "Twin" });
    const sameName = await register((await prepareRegistration(registry, owner, { name: "Twin" })).body);
    expectError(sameName, 409, "REGISTRY_AGENT_NAME_TAKEN");

    const reused = await prepareRegistration(registry, owner, { name: "Other name", keyPair: first.keyPair });
    const sameKey = await register(reused.body);
    expectError(sameKey, 409, "REGISTRY_AGENT_KEY_IN_USE");

    // Names are per owner: another owner may use the same one.
    expect((await registerAgent(registry, other, { name: "Twin" })).agent.name).toBe("Twin");
  });

  it("validates the registration body", async () => {
    const { body: honest } = await prepareRegistration(registry, owner, { name: "Valid" });
    const cases = [
      { ...honest, name: "" },
      { ...honest, name: "x".repeat(65) },
      { ...honest, name: "bad/name" },
      { ...honest, framework: "" },
      { ...honest, ttlDays: 0 },
      { ...honest, ttlDays: 91 },
      { ...honest, challengeId: "nope" },
      { ...honest, publicKey: undefined },
    ];
    for (const body of cases) {
      const response = await register(body);
      expectError(response, 400, "REGISTRY_VALIDATION_FAILED");
    }
    expect((await registry.call("POST", "/v1/agents", { token: owner.secret, rawBody: "[" })).status).toBe(400);
  });
});
