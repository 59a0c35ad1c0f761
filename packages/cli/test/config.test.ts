import { chmodSync, statSync } from "node:fs";
import { createAgentHome } from "@clawdentity/connector";
import { generateEd25519KeyPair, verifyRequestProof } from "@clawdentity/sdk";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { readCliConfig, toCliConfigPath, writeCliConfig } from "../src/config";
import { type CliHarness, createCliHarness } from "./helpers/cli-harness";
import { createCannedFetch, jsonResponse } from "./helpers/fake-api";

const TOKEN = `clw_pat_01J00000000000000000000000_${"a".repeat(43)}`;
const ENV_TOKEN = `clw_pat_01J00000000000000000000001_${"b".repeat(43)}`;
const OWNER = "did:cdi:127.0.0.1:human:01J00000000000000000000000";
const agentDid = (suffix: string) => `did:cdi:127.0.0.1:agent:01J0000000000000000000000${suffix}`;

let cli: CliHarness;
afterEach(() => cli.dispose());

async function addAgentHome(home: string, name: string, suffix: string) {
  const keys = await generateEd25519KeyPair();
  createAgentHome({
    home,
    agentName: name,
    identity: { agentDid: agentDid(suffix), ait: `ait-of-${name}`, seed: keys.seed },
    proxyUrl: "http://127.0.0.1:1",
    deliveryWebhookUrl: "http://127.0.0.1:2/hook",
  });
  return keys;
}

describe("init and the config file", () => {
  beforeEach(() => {
    cli = createCliHarness();
  });

  it("writes <home>/config.json with mode 0600 and the defaults", async () => {
    const run = await cli.run("--json", "init");
    expect(run.exitCode).toBe(0);
    expect(run.json()).toEqual({
      home: cli.home,
      configPath: toCliConfigPath(cli.home),
      created: true,
      registryUrl: "http://127.0.0.1:8788",
      proxyUrl: "http://127.0.0.1:8787",
      ownerDid: null,
      hasToken: false,
    });
    expect(statSync(toCliConfigPath(cli.home)).mode & 0o777).toBe(0o600);
  });

  it("takes CLAWDENTITY_REGISTRY_URL and CLAWDENTITY_PROXY_URL as its defaults; flags win", async () => {
    cli.dispose();
    cli = createCliHarness({
      env: { CLAWDENTITY_REGISTRY_URL: "http://127.0.0.1:18788/", CLAWDENTITY_PROXY_URL: "http://127.0.0.1:18787" },
    });
    expect(await cli.run("--json", "init", "--proxy-url", "http://127.0.0.1:1")).toMatchObject({ exitCode: 0 });
    expect(readCliConfig(cli.home)).toMatchObject({
      registryUrl: "http://127.0.0.1:18788",
      proxyUrl: "http://127.0.0.1:1",
    });
  });

  it("keeps the owner token while the registry stays the same and forgets it when it changes", async () => {
    writeCliConfig(cli.home, {
      version: 1,
      registryUrl: "http://127.0.0.1:8788",
      proxyUrl: "http://127.0.0.1:8787",
      token: TOKEN,
      ownerDid: OWNER,
      defaultAgent: "alice",
    });
    const same = await cli.run("--json", "init", "--proxy-url", "https://proxy.example/");
    expect(same.json()).toMatchObject({ created: false, proxyUrl: "https://proxy.example", hasToken: true });
    await cli.run("init", "--registry-url", "https://registry.example");
    expect(readCliConfig(cli.home)).toEqual({
      version: 1,
      registryUrl: "https://registry.example",
      proxyUrl: "https://proxy.example",
      defaultAgent: "alice",
    });
  });

  it("refuses a config file other users can read, like ssh does", async () => {
    await cli.run("init");
    chmodSync(toCliConfigPath(cli.home), 0o644);
    const run = await cli.run("--json", "invite", "list");
    expect(run.exitCode).toBe(1);
    expect(run.error()).toMatchObject({ code: "CLI_CONFIG_INVALID", message: expect.stringContaining("chmod 600") });
  });

  it("tells the user to init, then to get a token", async () => {
    const before = await cli.run("invite", "create");
    expect(before.exitCode).toBe(1);
    expect(before.stderr).toMatch(/^error: CLI_NOT_INITIALIZED: .*clawdentity init/);
    await cli.run("init");
    const noToken = await cli.run("--json", "invite", "create");
    expect(noToken.error().code).toBe("CLI_TOKEN_REQUIRED");
  });
});

describe("owner token", () => {
  it("takes CLAWDENTITY_TOKEN over the saved token", async () => {
    const canned = createCannedFetch(() => jsonResponse(200, { invites: [] }));
    cli = createCliHarness({ env: { CLAWDENTITY_TOKEN: ENV_TOKEN }, io: { fetch: canned.fetch } });
    writeCliConfig(cli.home, { version: 1, registryUrl: "http://r.test", proxyUrl: "http://p.test", token: TOKEN });
    const run = await cli.run("--json", "invite", "list");
    expect(run.exitCode).toBe(0);
    expect(run.json()).toEqual({ invites: [] });
    expect(canned.requests[0]).toMatchObject({ url: "http://r.test/v1/invites", method: "GET" });
    expect(canned.requests[0]?.headers.get("authorization")).toBe(`Bearer ${ENV_TOKEN}`);
  });
});

describe("which agent a command acts as", () => {
  const peers = () => jsonResponse(200, { peers: [] });

  it("needs an agent, then takes the only one, and signs its proxy requests with its key", async () => {
    const canned = createCannedFetch(peers);
    cli = createCliHarness({ io: { fetch: canned.fetch } });
    const none = await cli.run("--json", "pair", "peers");
    expect(none.error()).toMatchObject({
      code: "CLI_AGENT_NOT_FOUND",
      message: expect.stringContaining("agent create"),
    });

    const keys = await addAgentHome(cli.home, "alice", "A");
    const run = await cli.run("--json", "pair", "peers");
    expect(run.exitCode).toBe(0);
    const request = canned.requests[0];
    expect(request?.url).toBe("http://127.0.0.1:1/v1/trust/peers");
    expect(request?.headers.get("authorization")).toBe("Claw ait-of-alice");
    const proofValid = await verifyRequestProof({
      method: "GET",
      pathWithQuery: "/v1/trust/peers",
      timestamp: request?.headers.get("x-claw-timestamp") ?? "",
      nonce: request?.headers.get("x-claw-nonce") ?? "",
      bodyHash: request?.headers.get("x-claw-body-sha256") ?? "",
      proof: request?.headers.get("x-claw-proof") ?? "",
      publicKey: keys.publicKey,
    });
    expect(proofValid).toBe(true);
  });

  it("with several agents: --agent, CLAWDENTITY_AGENT, then `agent use`, else an error", async () => {
    const canned = createCannedFetch(peers);
    cli = createCliHarness({ io: { fetch: canned.fetch } });
    await cli.run("init");
    await addAgentHome(cli.home, "alice", "A");
    await addAgentHome(cli.home, "bob", "B");
    const ambiguous = await cli.run("--json", "pair", "peers");
    expect(ambiguous.error()).toMatchObject({
      code: "CLI_AGENT_REQUIRED",
      message: expect.stringContaining("alice, bob"),
    });

    const signer = () => canned.requests.at(-1)?.headers.get("authorization");
    await cli.run("--agent", "bob", "pair", "peers");
    expect(signer()).toBe("Claw ait-of-bob");
    const used = await cli.run("--json", "agent", "use", "alice");
    expect(used.json()).toEqual({ defaultAgent: "alice" });
    await cli.run("pair", "peers");
    expect(signer()).toBe("Claw ait-of-alice");

    const local = await cli.run("--json", "agent", "list", "--local");
    expect(local.json<{ agents: unknown[] }>().agents).toEqual([
      expect.objectContaining({
        name: "alice",
        agentDid: agentDid("A"),
        isDefault: true,
        connector: { running: false },
      }),
      expect.objectContaining({ name: "bob", agentDid: agentDid("B"), isDefault: false }),
    ]);
    const missing = await cli.run("--json", "--agent", "carol", "pair", "peers");
    expect(missing.error().code).toBe("CLI_AGENT_NOT_FOUND");
    const unknownUse = await cli.run("--json", "agent", "use", "carol");
    expect(unknownUse.error().code).toBe("CLI_AGENT_NOT_FOUND");
  });

  it("CLAWDENTITY_AGENT wins over `agent use`", async () => {
    const canned = createCannedFetch(peers);
    cli = createCliHarness({ env: { CLAWDENTITY_AGENT: "bob" }, io: { fetch: canned.fetch } });
    await cli.run("init");
    await addAgentHome(cli.home, "alice", "A");
    await addAgentHome(cli.home, "bob", "B");
    await cli.run("agent", "use", "alice");
    await cli.run("pair", "peers");
    expect(canned.requests.at(-1)?.headers.get("authorization")).toBe("Claw ait-of-bob");
  });

  it("needs a running connector to send", async () => {
    cli = createCliHarness();
    await addAgentHome(cli.home, "alice", "A");
    const run = await cli.run("send", "--to", agentDid("B"), "--text", "hi");
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toContain("CLI_CONNECTOR_NOT_RUNNING: the connector of alice is not running");
  });
});
