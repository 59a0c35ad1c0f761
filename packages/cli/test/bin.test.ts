import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createAgentHome } from "@clawdentity/connector";
import { generateEd25519KeyPair, signAit } from "@clawdentity/sdk";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type CliHarness, createCliHarness } from "./helpers/cli-harness";

const BIN = fileURLToPath(new URL("../bin/clawdentity.mjs", import.meta.url));
const AGENT_DID = "did:cdi:127.0.0.1:agent:01J0000000000000000000000A";

function runBin(args: string[]) {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk) => {
    stdout += chunk;
  });
  child.stderr.on("data", (chunk) => {
    stderr += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, exited, output: () => ({ stdout, stderr }) };
}

async function waitForLine(read: () => string, child: ChildProcess): Promise<string> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline && child.exitCode === null) {
    const line = read().split("\n")[0];
    if (line && read().includes("\n")) return line;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`no line from the child: ${read()}`);
}

let cli: CliHarness;
beforeEach(() => {
  cli = createCliHarness();
});
afterEach(() => cli.dispose());

describe("bin/clawdentity.mjs", () => {
  it("runs the TypeScript sources and returns the CLI's exit codes", async () => {
    const version = runBin(["--version"]);
    expect(await version.exited).toBe(0);
    expect(version.output().stdout).toBe("0.1.0\n");
    const usage = runBin(["--json", "trace", "nope"]);
    expect(await usage.exited).toBe(1);
    expect(JSON.parse(usage.output().stderr).error.code).toBe("CLI_INVALID_ARGUMENT");
  });

  it("connector start runs in the foreground and stops cleanly on SIGTERM", async () => {
    const { seed, publicKey } = await generateEd25519KeyPair();
    // Signed by a key no registry publishes: readable (the connector checks it names its key), never accepted.
    const nowSeconds = Math.floor(Date.now() / 1000);
    const ait = await signAit({
      kid: "unpublished",
      privateKey: (await generateEd25519KeyPair()).privateKey,
      claims: {
        iss: "http://127.0.0.1:9",
        sub: AGENT_DID,
        ownerDid: "did:cdi:127.0.0.1:human:01J0000000000000000000000H",
        name: "alice",
        framework: "test",
        cnf: { jwk: { kty: "OKP", crv: "Ed25519", x: publicKey } },
        iat: nowSeconds,
        nbf: nowSeconds,
        exp: nowSeconds + 86_400,
        jti: "01J0000000000000000000000J",
      },
    });
    createAgentHome({
      home: cli.home,
      agentName: "alice",
      identity: { agentDid: AGENT_DID, ait, seed },
      // Nothing listens there: the connector keeps retrying its socket, which is fine for this test.
      proxyUrl: "http://127.0.0.1:9",
      deliveryWebhookUrl: "http://127.0.0.1:9/hook",
    });
    const running = runBin([
      "--home",
      cli.home,
      "--json",
      "connector",
      "start",
      "--quiet",
      "--webhook",
      "http://127.0.0.1:7/h",
    ]);
    const started = JSON.parse(await waitForLine(() => running.output().stdout, running.child));
    expect(started).toMatchObject({
      event: "started",
      agentName: "alice",
      agentDid: AGENT_DID,
      deliveryWebhookUrl: "http://127.0.0.1:7/h",
      pid: running.child.pid,
    });
    const runtimePath = join(cli.home, "agents", "alice", "runtime.json");
    expect(existsSync(runtimePath)).toBe(true);
    const status = await cli.run("--json", "status");
    expect(status.json()).toMatchObject({
      connector: {
        running: true,
        pid: running.child.pid,
        localApiUrl: started.localApiUrl,
        status: { agentDid: AGENT_DID },
      },
    });

    const second = await cli.run("--json", "connector", "start");
    expect(second.exitCode).toBe(1);
    expect(second.error()).toMatchObject({
      code: "CLI_CONNECTOR_ALREADY_RUNNING",
      message: expect.stringContaining(`pid ${running.child.pid}`),
    });

    running.child.kill("SIGTERM");
    expect(await running.exited).toBe(0);
    const lines = running
      .output()
      .stdout.trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(lines.at(-1)).toEqual({ event: "stopped", agentName: "alice", signal: "SIGTERM" });
    expect(existsSync(runtimePath)).toBe(false);
  });
});
