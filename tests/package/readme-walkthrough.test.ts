import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT, type ScratchStack, startScratchStack } from "../../scripts/harness";
import { buildCliPackage } from "../../scripts/package/build-cli-package";
import { type InstalledCliPackage, installCliPackage } from "../../scripts/package/install-cli-package";

const HEADING = "## Using it by hand";
/** The webhook ports the walk-through names (its `agent create --webhook` lines). */
const WALKTHROUGH_PORTS = [9001, 9002];
const RUN_TIMEOUT_MS = 120_000;

/** The first ```sh block after the heading, verbatim. */
function readWalkthrough(): string {
  const readme = readFileSync(join(REPO_ROOT, "README.md"), "utf8");
  const section = readme.slice(readme.indexOf(HEADING));
  const block = /```sh\n([\s\S]*?)```/.exec(section)?.[1];
  if (readme.indexOf(HEADING) < 0 || !block) throw new Error(`README.md has no sh block under "${HEADING}"`);
  return block;
}

function assertPortFree(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const server = createServer()
      .once("error", () => reject(new Error(`port ${port}, named by the README's walk-through, is in use`)))
      .listen(port, "127.0.0.1", () => server.close(() => resolve()));
  });
}

let stack: ScratchStack;
let installed: InstalledCliPackage;
let workDir: string;
let shell: ChildProcess | undefined;

beforeAll(async () => {
  await Promise.all(WALKTHROUGH_PORTS.map(assertPortFree));
  installed = installCliPackage({ tarball: buildCliPackage().tarball });
  stack = await startScratchStack({ name: "readme" });
  // The walk-through runs at a repository root with `pnpm start`'s state: a folder with the stack's secrets.
  workDir = mkdtempSync(join(tmpdir(), "clawdentity-readme-"));
  mkdirSync(join(workDir, ".dev-state"));
  writeFileSync(join(workDir, ".dev-state", "secrets.json"), JSON.stringify(stack.secrets));
  mkdirSync(join(workDir, "bin"));
  symlinkSync(installed.bin, join(workDir, "bin", "clawdentity"));
  mkdirSync(join(workDir, "home"));
});

afterAll(async () => {
  // Whatever the script left running (it stops its own jobs when it passes).
  if (shell?.pid && shell.exitCode === null) process.kill(-shell.pid, "SIGKILL");
  await stack?.dispose();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
  if (installed) rmSync(installed.dir, { recursive: true, force: true });
});

function runWalkthrough(script: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const env: Record<string, string | undefined> = {
    ...process.env,
    HOME: join(workDir, "home"),
    PATH: `${join(workDir, "bin")}${delimiter}${process.env.PATH ?? ""}`,
    // `init` with no flags: the scratch stack stands where :8788 and :8787 would.
    CLAWDENTITY_REGISTRY_URL: stack.registryUrl,
    CLAWDENTITY_PROXY_URL: stack.proxyUrl,
  };
  for (const name of ["CLAWDENTITY_HOME", "CLAWDENTITY_AGENT", "CLAWDENTITY_TOKEN"]) delete env[name];
  const child = spawn("bash", ["-c", `set -euo pipefail\ntrap 'kill $(jobs -p) 2>/dev/null || true' EXIT\n${script}`], {
    cwd: workDir,
    env,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  shell = child;
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (chunk) => {
    stdout += chunk;
  });
  child.stderr?.on("data", (chunk) => {
    stderr += chunk;
  });
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.pid && process.kill(-child.pid, "SIGKILL"), RUN_TIMEOUT_MS);
    child.once("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe("README.md: Using it by hand", () => {
  it("runs as written: bob's runtime gets the message, alice's the receipt, trace shows its hops", async () => {
    const script = readWalkthrough();
    for (const step of [
      "init",
      "admin bootstrap",
      "agent create",
      "webhook listen",
      "pair confirm",
      "connector start",
    ]) {
      expect(script, `the walk-through shows ${step}`).toContain(` ${step}`);
    }
    expect(script).toMatch(/ send --to .* --wait/);
    const run = await runWalkthrough(script);
    console.log(run.stdout);
    expect(run.code, run.stderr).toBe(0);
    // trace's first line: `message <messageId>  correlation …`.
    const messageId = /^message ([0-9A-Z]{26}) /m.exec(run.stdout)?.[1];
    expect(messageId).toBeDefined();
    expect(run.stdout).toMatch(new RegExp(`delivery ${messageId} from did:cdi:\\S+ critical: \\{"text":"hello"\\}`));
    expect(run.stdout).toMatch(new RegExp(`receipt +${messageId} delivered_to_webhook`));
    expect(run.stdout).toMatch(/connector: delivered_to_webhook +relay: delivered_to_webhook/);
  });
});
