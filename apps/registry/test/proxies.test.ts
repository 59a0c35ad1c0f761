import {
  type OwnerSessionResponse,
  proxyListResponseSchema,
  proxyResponseSchema,
  resolveAgentResponseSchema,
} from "@clawdentity/protocol";
import { generateEd25519KeyPair, toProxyKid } from "@clawdentity/sdk";
import { beforeAll, describe, expect, it } from "vitest";
import {
  attestHome,
  bootstrapAdmin,
  createMember,
  createTestRegistry,
  expectError,
  type RegisteredAgent,
  registerAgent,
  registerTestProxy,
  signConnect,
  type TestProxy,
} from "./helpers";

const PROXY_A = "https://proxy-a.example";
const PROXY_B = "https://proxy-b.example";

const registry = createTestRegistry();
let admin: OwnerSessionResponse;

beforeAll(async () => {
  admin = await bootstrapAdmin(registry);
});

describe("proxy keys (PROTOCOL.md §11.1)", () => {
  let member: OwnerSessionResponse;

  beforeAll(async () => {
    member = await createMember(registry, admin);
  });

  it("an admin registers a key named by its thumbprint; anyone looks it up by kid", async () => {
    const keyPair = await generateEd25519KeyPair();
    const created = await registry.call("POST", "/v1/proxies", {
      token: admin.secret,
      body: { origin: PROXY_A, publicKey: keyPair.publicKey },
    });
    expect(created.status).toBe(201);
    const { proxy } = proxyResponseSchema.parse(created.body);
    expect(proxy).toMatchObject({ kid: await toProxyKid(keyPair.publicKey), origin: PROXY_A, status: "active" });

    const found = await registry.call("GET", `/v1/proxies/${proxy.kid}`);
    expect(found.status).toBe(200);
    expect(found.headers.get("cache-control")).toBe("public, max-age=60");
    expect(proxyResponseSchema.parse(found.body).proxy).toEqual(proxy);

    const again = await registry.call("POST", "/v1/proxies", {
      token: admin.secret,
      body: { origin: PROXY_B, publicKey: keyPair.publicKey },
    });
    expectError(again, 409, "REGISTRY_PROXY_KEY_IN_USE");
  });

  it("only admins register, list and revoke; bad input is a 400", async () => {
    const keyPair = await generateEd25519KeyPair();
    const body = { origin: PROXY_B, publicKey: keyPair.publicKey };
    expectError(await registry.call("POST", "/v1/proxies", { token: member.secret, body }), 403, "REGISTRY_FORBIDDEN");
    expectError(await registry.call("GET", "/v1/proxies", { token: member.secret }), 403, "REGISTRY_FORBIDDEN");
    expectError(await registry.call("POST", "/v1/proxies", { body }), 401, "REGISTRY_UNAUTHORIZED");
    const insecure = await registry.call("POST", "/v1/proxies", {
      token: admin.secret,
      body: { ...body, origin: "http://proxy-b.example" },
    });
    expectError(insecure, 400, "REGISTRY_VALIDATION_FAILED");
    expectError(await registry.call("GET", "/v1/proxies/nope"), 400, "REGISTRY_VALIDATION_FAILED");
    expectError(await registry.call("GET", `/v1/proxies/${"k".repeat(43)}`), 404, "REGISTRY_PROXY_NOT_FOUND");
  });

  it("revoking is idempotent and the list shows revoked keys too", async () => {
    const proxy = await registerTestProxy(registry, admin, PROXY_B);
    const first = await registry.call("DELETE", `/v1/proxies/${proxy.kid}`, { token: admin.secret });
    expect(first.status).toBe(200);
    const revoked = proxyResponseSchema.parse(first.body).proxy;
    expect(revoked.status).toBe("revoked");
    registry.clock.advance(5_000);
    const second = await registry.call("DELETE", `/v1/proxies/${proxy.kid}`, { token: admin.secret });
    expect(proxyResponseSchema.parse(second.body).proxy).toEqual(revoked);
    const list = proxyListResponseSchema.parse(
      (await registry.call("GET", "/v1/proxies", { token: admin.secret })).body,
    );
    expect(list.proxies.find((entry) => entry.kid === proxy.kid)?.status).toBe("revoked");
    const unknown = await registry.call("DELETE", `/v1/proxies/${"k".repeat(43)}`, { token: admin.secret });
    expectError(unknown, 404, "REGISTRY_PROXY_NOT_FOUND");
  });
});

describe("home attestation (PROTOCOL.md §11.3)", () => {
  let alice: RegisteredAgent;
  let proxyA: TestProxy;
  let proxyB: TestProxy;
  const nowSeconds = () => Math.floor(registry.clock.nowMs() / 1000);
  const credentials = () => ({ ait: alice.ait, keyPair: alice.keyPair });
  const resolveHome = async () =>
    resolveAgentResponseSchema.parse((await registry.call("GET", `/v1/resolve/${alice.agent.did}`)).body).agent
      .homeProxy;

  beforeAll(async () => {
    alice = await registerAgent(registry, admin, { name: "alice" });
    proxyA = await registerTestProxy(registry, admin, PROXY_A);
    proxyB = await registerTestProxy(registry, admin, PROXY_B);
  });

  it("records the proxy the agent connected to and resolve returns it", async () => {
    expect(await resolveHome()).toBeNull();
    const response = await attestHome(registry, proxyA, await signConnect(credentials(), nowSeconds()));
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ homeProxy: { origin: PROXY_A, kid: proxyA.kid }, changed: true });
    expect(await resolveHome()).toEqual({ origin: PROXY_A, kid: proxyA.kid });
  });

  it("moves with a later connect, never back with an older one", async () => {
    const older = await signConnect(credentials(), nowSeconds() - 10);
    const later = await attestHome(registry, proxyB, await signConnect(credentials(), nowSeconds()));
    expect(later.body).toEqual({ homeProxy: { origin: PROXY_B, kid: proxyB.kid }, changed: true });
    const stale = await attestHome(registry, proxyA, older);
    expect(stale.status).toBe(200);
    expect(stale.body).toEqual({ homeProxy: { origin: PROXY_B, kid: proxyB.kid }, changed: false });
    expect(await resolveHome()).toEqual({ origin: PROXY_B, kid: proxyB.kid });
  });

  it("a revoked home proxy is nobody's home; an active proxy takes over even with an older connect", async () => {
    const older = await signConnect(credentials(), nowSeconds() - 20);
    await registry.call("DELETE", `/v1/proxies/${proxyB.kid}`, { token: admin.secret });
    expect(await resolveHome()).toBeNull();
    const refused = await attestHome(registry, proxyB, await signConnect(credentials(), nowSeconds()));
    expectError(refused, 401, "REGISTRY_PROXY_AUTH_PROXY_REVOKED");
    const taken = await attestHome(registry, proxyA, older);
    expect(taken.body).toEqual({ homeProxy: { origin: PROXY_A, kid: proxyA.kid }, changed: true });
  });

  it("refuses an unknown proxy, a forged signature and a request signed for another audience", async () => {
    const connect = await signConnect(credentials(), nowSeconds());
    const stranger = { origin: PROXY_A, kid: "s".repeat(43), keyPair: await generateEd25519KeyPair() };
    expectError(await attestHome(registry, stranger, connect), 401, "REGISTRY_PROXY_AUTH_UNKNOWN_PROXY");
    const forger = await generateEd25519KeyPair();
    const forged = await attestHome(registry, proxyA, connect, { privateKey: forger.privateKey });
    expectError(forged, 401, "REGISTRY_PROXY_AUTH_INVALID_SIGNATURE");
    const elsewhere = await attestHome(registry, proxyA, connect, { audience: "https://other-registry.example" });
    expectError(elsewhere, 401, "REGISTRY_PROXY_AUTH_WRONG_AUDIENCE");
  });

  it("refuses an agent the proxy never saw connect: a made-up proof, another request, a revoked agent", async () => {
    const mallory = await generateEd25519KeyPair();
    const madeUp = await signConnect({ ait: alice.ait, keyPair: mallory }, nowSeconds());
    expectError(await attestHome(registry, proxyA, madeUp), 401, "REGISTRY_AUTH_INVALID_PROOF");
    const other = { ...(await signConnect(credentials(), nowSeconds())), pathWithQuery: "/v1/relay/messages" };
    expectError(await attestHome(registry, proxyA, other), 401, "REGISTRY_AUTH_INVALID_PROOF");
    const stale = await signConnect(credentials(), nowSeconds() - 301);
    expectError(await attestHome(registry, proxyA, stale), 401, "REGISTRY_AUTH_TIMESTAMP_SKEW");
    expectError(await attestHome(registry, proxyA, { ait: "x" }), 400, "REGISTRY_VALIDATION_FAILED");

    const bob = await registerAgent(registry, admin, { name: "bob" });
    await registry.call("DELETE", `/v1/agents/${bob.agent.id}`, { token: admin.secret });
    const revoked = await signConnect({ ait: bob.ait, keyPair: bob.keyPair }, nowSeconds());
    expectError(await attestHome(registry, proxyA, revoked), 401, "REGISTRY_AUTH_AGENT_REVOKED");
  });
});
