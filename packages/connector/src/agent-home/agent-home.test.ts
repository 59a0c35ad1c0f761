import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  AgentHomeError,
  acquireAgentLock,
  createAgentHome,
  listAgentHomes,
  loadConnectorConfig,
  readAgentConfig,
  readAgentIdentity,
  readAgentRuntime,
  resolveAgentHomePaths,
  resolveClawdentityHome,
  writeAgentConfig,
  writeAgentRuntime,
} from "./index";

const identity = {
  agentDid: "did:cdi:127.0.0.1:agent:01JGQ8Z9ZQ0000000000000000",
  ait: "header.claims.signature",
  seed: "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A",
};
const base = {
  agentName: "alice",
  identity,
  proxyUrl: "http://127.0.0.1:8788",
  deliveryWebhookUrl: "http://127.0.0.1:3000/hooks/clawdentity",
};

let home: string;
beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), "agent-home-"));
});
afterEach(() => rmSync(home, { recursive: true, force: true }));

const modeOf = (path: string) => statSync(path).mode & 0o777;

describe("agent home", () => {
  it("creates agents/<name>/ with identity.json and config.json readable only by the owner", () => {
    const { paths, config } = createAgentHome({
      ...base,
      home,
      localApi: { port: 7331 },
      tuning: { outboxTtlMs: 1000 },
    });
    expect(paths.dir).toBe(join(home, "agents", "alice"));
    expect(modeOf(paths.dir)).toBe(0o700);
    expect(modeOf(paths.identityPath)).toBe(0o600);
    expect(modeOf(paths.configPath)).toBe(0o600);
    expect(config.localApiToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(readAgentIdentity({ home, agentName: "alice" })).toEqual(identity);
    expect(JSON.parse(readFileSync(paths.configPath, "utf8"))).toEqual({
      version: 1,
      proxyUrl: base.proxyUrl,
      deliveryWebhookUrl: base.deliveryWebhookUrl,
      localApi: { host: "127.0.0.1", port: 7331 },
      localApiToken: config.localApiToken,
      tuning: { outboxTtlMs: 1000 },
    });

    const loaded = loadConnectorConfig({ home, agentName: "alice" });
    expect(loaded).toMatchObject({
      identity,
      proxyUrl: base.proxyUrl,
      databasePath: join(paths.dir, "connector.db"),
      localApi: { host: "127.0.0.1", port: 7331, token: config.localApiToken },
    });
    expect(loaded.tuning.outboxTtlMs).toBe(1000);
    expect(loaded.tuning.webhookMaxAttempts).toBe(10);
    expect(listAgentHomes(home)).toEqual(["alice"]);
  });

  it("never overwrites an existing identity unless asked to", () => {
    createAgentHome({ ...base, home });
    expect(() => createAgentHome({ ...base, home })).toThrow(AgentHomeError);
    expect(() => createAgentHome({ ...base, home, overwrite: true, localApiToken: "t".repeat(40) })).not.toThrow();
    expect(readAgentConfig({ home, agentName: "alice" }).localApiToken).toBe("t".repeat(40));
  });

  it("refuses secrets that other users can read", () => {
    const { paths } = createAgentHome({ ...base, home });
    chmodSync(paths.identityPath, 0o644);
    expect(() => readAgentIdentity({ home, agentName: "alice" })).toThrow(/chmod 600/);
    chmodSync(paths.identityPath, 0o600);
    chmodSync(paths.configPath, 0o640);
    expect(() => loadConnectorConfig({ home, agentName: "alice" })).toThrow(/accessible by other users/);
  });

  it("refuses names that could escape the home and config files with mistakes", () => {
    for (const agentName of ["..", "../x", ".hidden", "a/b", "with space", ""]) {
      expect(() => resolveAgentHomePaths({ home, agentName })).toThrow();
    }
    const { paths } = createAgentHome({ ...base, home });
    expect(() =>
      writeAgentConfig({ home, agentName: "alice" }, {
        ...readAgentConfig({ home, agentName: "alice" }),
        tuning: { outboxTtl: 5 },
      } as never),
    ).toThrow();
    writeFileSync(paths.configPath, JSON.stringify({ version: 1, proxyUrl: "ftp://x" }), { mode: 0o600 });
    expect(() => readAgentConfig({ home, agentName: "alice" })).toThrow(/proxyUrl/);
    writeFileSync(paths.identityPath, "{broken", { mode: 0o600 });
    expect(() => readAgentIdentity({ home, agentName: "alice" })).toThrow(/not valid JSON/);
    expect(() => readAgentIdentity({ home, agentName: "bob" })).toThrow(/does not exist/);
  });

  it("resolves the home from CLAWDENTITY_HOME, else ~/.clawdentity", () => {
    expect(resolveClawdentityHome({ CLAWDENTITY_HOME: "/srv/claw" })).toBe("/srv/claw");
    expect(resolveClawdentityHome({})).toMatch(/\.clawdentity$/);
  });

  it("records the running connector and ignores a runtime file left by a dead process", () => {
    createAgentHome({ ...base, home });
    const ref = { home, agentName: "alice" };
    expect(readAgentRuntime(ref)).toBeNull();
    const runtime = {
      pid: process.pid,
      agentDid: identity.agentDid,
      localApiUrl: "http://127.0.0.1:7331",
      startedAt: new Date().toISOString(),
    };
    writeAgentRuntime(ref, runtime);
    expect(readAgentRuntime(ref)).toEqual(runtime);
    writeAgentRuntime(ref, { ...runtime, pid: 2 ** 22 + 12345 });
    expect(readAgentRuntime(ref)).toBeNull();
  });

  it("holds one lock per agent and takes over a lock whose process is gone", () => {
    const { paths } = createAgentHome({ ...base, home });
    writeFileSync(paths.lockPath, String(2 ** 22 + 12345));
    const lock = acquireAgentLock(paths.lockPath);
    expect(readFileSync(paths.lockPath, "utf8")).toBe(String(process.pid));
    writeFileSync(paths.lockPath, String(process.ppid));
    expect(() => acquireAgentLock(paths.lockPath)).toThrow(/another connector/);
    writeFileSync(paths.lockPath, String(process.pid));
    lock.release();
  });
});
