import { createAgentHome } from "@clawdentity/connector";
import { createWebhookSecret, generateEd25519KeyPair, signAit, verifyWebhook } from "@clawdentity/sdk";
import { afterEach, describe, expect, it } from "vitest";
import { type CliHarness, createCliHarness } from "./helpers/cli-harness";
import { errorEnvelope, jsonResponse } from "./helpers/fake-api";

const PROXY = "http://proxy.test";
const WEBHOOK = "http://runtime.test/hooks/clawdentity/bob";
const AGENT_DID = "did:cdi:127.0.0.1:agent:01J00000000000000000000000";
const NOW_S = Math.floor(Date.now() / 1000);

let cli: CliHarness;
afterEach(() => cli.dispose());

interface World {
  /** The runtime's answer to the ping; the ping's signature is checked first (401 when wrong). */
  webhook: number | "refuse";
  proxyAuth?: Response;
  pings: Array<{ headers: Headers; body: string }>;
}

async function setup(world: World, options: { expiresInDays?: number } = {}) {
  const secret = createWebhookSecret();
  const fetch = (async (input: string | URL | Request, init?: RequestInit) => {
    const url = String(input);
    if (url === `${PROXY}/health`)
      return jsonResponse(200, { status: "ok", version: "t", environment: "t", ready: true });
    if (url === `${PROXY}/v1/trust/peers`) return world.proxyAuth ?? jsonResponse(200, { peers: [] });
    if (url === WEBHOOK) {
      if (world.webhook === "refuse") throw new TypeError("fetch failed", { cause: { code: "ECONNREFUSED" } });
      const headers = new Headers(init?.headers);
      const body = String(init?.body);
      world.pings.push({ headers, body });
      const signed = await verifyWebhook({ secret, headers, body }).then(
        () => true,
        () => false,
      );
      return new Response(null, { status: signed ? world.webhook : 401 });
    }
    throw new TypeError("fetch failed", { cause: { code: "ENOTFOUND" } });
  }) as typeof globalThis.fetch;
  cli = createCliHarness({ io: { fetch } });
  const issuer = await generateEd25519KeyPair();
  const agentKeys = await generateEd25519KeyPair();
  const ait = await signAit({
    claims: {
      iss: "http://127.0.0.1:8788",
      sub: AGENT_DID,
      ownerDid: "did:cdi:127.0.0.1:human:01J00000000000000000000000",
      name: "bob",
      framework: "openclaw",
      cnf: { jwk: { kty: "OKP", crv: "Ed25519", x: agentKeys.publicKey } },
      iat: NOW_S - 60,
      nbf: NOW_S - 60,
      exp: NOW_S + (options.expiresInDays ?? 30) * 86_400,
      jti: "01J00000000000000000000001",
    },
    privateKey: issuer.privateKey,
    kid: "k1",
  });
  createAgentHome({
    home: cli.home,
    agentName: "bob",
    identity: { agentDid: AGENT_DID, ait, seed: agentKeys.seed },
    proxyUrl: PROXY,
    deliveryWebhookUrl: WEBHOOK,
    webhook: { headers: { authorization: "Bearer t" }, secret },
  });
}

const byName = (run: { json(): { checks: Array<{ name: string }> } }) =>
  Object.fromEntries(run.json().checks.map((check) => [check.name, check]));

describe("connector doctor", () => {
  it("sends a signed ping with the configured credentials and names each problem with its fix", async () => {
    const world: World = { webhook: 401, pings: [] };
    await setup(world);
    const run = await cli.run("--json", "connector", "doctor");
    expect(run.exitCode).toBe(3);
    expect(run.error()).toMatchObject({ code: "CLI_DOCTOR_FAILED" });
    const checks = byName(run);
    expect(checks.identity).toMatchObject({ status: "ok" });
    expect(checks.proxy).toMatchObject({ status: "ok" });
    expect(checks.proxy_auth).toMatchObject({ status: "ok", detail: expect.stringContaining("0 paired peer") });
    expect(checks.connector).toMatchObject({ status: "fail", detail: "not running" });
    expect(checks.relay_socket).toMatchObject({ status: "skipped" });
    expect(checks.webhook).toMatchObject({
      status: "fail",
      detail: expect.stringContaining("refused the connector's credentials (HTTP 401)"),
      fix: expect.stringContaining("clawdentity openclaw setup"),
    });
    expect(checks.signing).toMatchObject({ status: "ok" });

    const [ping] = world.pings;
    expect(ping?.headers.get("authorization")).toBe("Bearer t");
    expect(JSON.parse(ping?.body ?? "")).toMatchObject({ type: "clawdentity.ping.v1", agentDid: AGENT_DID });
    expect(ping?.headers.get("idempotency-key")).toBe(ping?.headers.get("webhook-id"));
  });

  it("reports a reachable, accepting runtime as ok, and text names every check", async () => {
    await setup({ webhook: 204, pings: [] });
    const run = await cli.run("connector", "doctor");
    expect(run.stdout).toMatch(
      /✓ webhook +http:\/\/runtime\.test\/hooks\/clawdentity\/bob took a signed ping \(HTTP 204/,
    );
    expect(run.stdout).toMatch(/✗ connector +not running\n +fix: clawdentity --agent bob connector start/);
    expect(run.stdout).toContain("1 problem(s) to fix");
  });

  it("names a runtime that does not listen, a refused signed request and an AIT expiring within a week", async () => {
    await setup(
      {
        webhook: "refuse",
        pings: [],
        proxyAuth: jsonResponse(401, errorEnvelope("PROXY_AUTH_TIMESTAMP_SKEW", "skew")),
      },
      { expiresInDays: 5 },
    );
    const checks = byName(await cli.run("--json", "connector", "doctor"));
    expect(checks.identity).toMatchObject({ status: "warn", fix: expect.stringContaining("agent renew bob") });
    expect(checks.proxy_auth).toMatchObject({ status: "fail", fix: expect.stringContaining("clock") });
    expect(checks.webhook).toMatchObject({ status: "fail", detail: expect.stringContaining("ECONNREFUSED") });
  });
});
