import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createAgentHome, readAgentConfig } from "@clawdentity/connector";
import { generateEd25519KeyPair } from "@clawdentity/sdk";
import JSON5 from "json5";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type CliHarness, createCliHarness } from "./helpers/cli-harness";

const AGENT_DID = "did:cdi:127.0.0.1:agent:01J00000000000000000000000";
let cli: CliHarness;
let openclawDir: string;
let configPath: string;

beforeEach(async () => {
  cli = createCliHarness();
  createAgentHome({
    home: cli.home,
    agentName: "bob",
    identity: { agentDid: AGENT_DID, ait: "ait", seed: (await generateEd25519KeyPair()).seed },
    proxyUrl: "http://127.0.0.1:1",
    deliveryWebhookUrl: "http://127.0.0.1:2/hook",
  });
  openclawDir = join(cli.home, "openclaw");
  mkdirSync(openclawDir);
  configPath = join(openclawDir, "openclaw.json");
  // A user's config: JSON5 with a comment, a gateway port, one hook of their own and a restrictive allow-list.
  writeFileSync(
    configPath,
    `{
  // my gateway
  gateway: { mode: "local", port: 19001 },
  hooks: { enabled: false, token: "existing-hooks-token", allowedAgentIds: ["ops"], mappings: [{ id: "mine", match: { path: "mine" } }] },
}
`,
    { mode: 0o600 },
  );
});
afterEach(() => cli.dispose());

const setup = () =>
  cli.run("--json", "openclaw", "setup", "--config", configPath, "--openclaw-agent", "main", "--no-peers");

describe("openclaw setup", () => {
  it("wires the hook, transform, skill and delivery target, keeping what the user had", async () => {
    const run = await setup();
    expect(run.exitCode).toBe(0);
    const result = run.json<{ hookUrl: string; changed: boolean; localApiUrl: string }>();
    expect(result).toMatchObject({ hookUrl: "http://127.0.0.1:19001/hooks/clawdentity/bob", changed: true });

    const config = JSON5.parse(readFileSync(configPath, "utf8"));
    expect(config.gateway).toEqual({ mode: "local", port: 19001 });
    expect(config.hooks).toMatchObject({
      enabled: true,
      token: "existing-hooks-token",
      allowedAgentIds: ["ops", "main"],
    });
    expect(config.hooks.mappings).toEqual([
      { id: "mine", match: { path: "mine" } },
      {
        id: "clawdentity-bob",
        match: { path: "clawdentity/bob" },
        action: "agent",
        agentId: "main",
        name: "Clawdentity",
        deliver: false,
        transform: { module: "clawdentity/clawdentity-transform.mjs" },
      },
    ]);
    const agent = readAgentConfig({ home: cli.home, agentName: "bob" });
    expect(config.skills.entries["clawdentity-bob"]).toEqual({
      enabled: true,
      env: { CLAWDENTITY_BOB_API_URL: result.localApiUrl, CLAWDENTITY_BOB_API_TOKEN: agent.localApiToken },
    });
    expect(result.localApiUrl).toBe(`http://127.0.0.1:${agent.localApi.port}`);
    expect(agent.localApi.port).toBeGreaterThan(0);
    expect(agent).toMatchObject({
      deliveryWebhookUrl: "http://127.0.0.1:19001/hooks/clawdentity/bob",
      webhook: { headers: { authorization: "Bearer existing-hooks-token" }, secret: expect.stringMatching(/^whsec_/) },
      tuning: { webhookTimeoutMs: 30_000 },
    });

    const transformDir = join(openclawDir, "hooks", "transforms", "clawdentity");
    expect(readFileSync(join(transformDir, "clawdentity-transform.mjs"), "utf8")).toContain("export default function");
    const agentFile = join(transformDir, "agents", "bob.json");
    expect(statSync(agentFile).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(agentFile, "utf8"))).toMatchObject({
      agentDid: AGENT_DID,
      secret: agent.webhook?.secret,
    });
    const skill = readFileSync(join(openclawDir, "skills", "clawdentity-bob", "SKILL.md"), "utf8");
    expect(skill).toMatch(/^---\nname: clawdentity-bob\n/);
    expect(skill).toContain('curl -sS -X POST "$CLAWDENTITY_BOB_API_URL/v1/outbound"');
    expect(skill).not.toContain(agent.localApiToken);
  });

  it("changes nothing on a second run", async () => {
    await setup();
    const files = [
      configPath,
      join(openclawDir, "hooks", "transforms", "clawdentity", "agents", "bob.json"),
      join(openclawDir, "skills", "clawdentity-bob", "SKILL.md"),
      join(cli.home, "agents", "bob", "config.json"),
    ];
    const before = files.map((file) => statSync(file).mtimeMs);
    const again = await setup();
    expect(again.json()).toMatchObject({ changed: false });
    expect(again.json<{ files: Array<{ changed: boolean }> }>().files.every((file) => !file.changed)).toBe(true);
    expect(files.map((file) => statSync(file).mtimeMs)).toEqual(before);
  });

  it("creates a hooks token when the gateway has none, and refuses a file that is not a config", async () => {
    writeFileSync(configPath, "{}\n");
    await setup();
    const token = JSON5.parse(readFileSync(configPath, "utf8")).hooks.token as string;
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(readAgentConfig({ home: cli.home, agentName: "bob" }).webhook?.headers?.authorization).toBe(
      `Bearer ${token}`,
    );

    writeFileSync(configPath, "not json");
    const bad = await setup();
    expect(bad.exitCode).toBe(1);
    expect(bad.error()).toMatchObject({ code: "CLI_CONFIG_INVALID" });
    expect(existsSync(configPath)).toBe(true);
  });
});
