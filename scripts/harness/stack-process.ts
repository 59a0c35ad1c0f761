import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { resolveLocalStackSecrets } from "../local-stack/secrets";
import { STACK_READY_LINE } from "../local-stack/stack-env";
import { findFreePort, isPortFree } from "./free-port";
import { createRecentLines } from "./recent-lines";
import { REPO_ROOT } from "./repo-root";
import type { RunningStack } from "./scratch-stack";
import { waitFor } from "./wait-for";

export interface StackProcess extends RunningStack {
  registryPort: number;
  proxyPort: number;
  /** The stack's node process (leader of its process group, with workerd in it), or null while killed. */
  pid(): number | null;
  /** `kill -9` of the whole process group (node and workerd); resolves once both ports are free again. */
  kill(): Promise<void>;
  /** Starts it again on the same ports and state folder; resolves once registry and proxy answer `/health`. */
  restart(): Promise<void>;
}

export interface StackProcessOptions {
  /** Names the temporary state folder. */
  name?: string;
  cronIntervalMs?: number;
  /** Extra proxy Worker vars (`CLAWDENTITY_PROXY_VARS`), e.g. shorter relay timeouts. */
  proxyVars?: Record<string, string>;
  startTimeoutMs?: number;
}

const MAIN = join("scripts", "local-stack", "main.ts");

async function isHealthy(url: string): Promise<boolean> {
  try {
    const response = await fetch(`${url}/health`, { signal: AbortSignal.timeout(2_000) });
    await response.body?.cancel();
    return response.ok;
  } catch {
    return false;
  }
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    if (child.pid) process.kill(-child.pid, signal);
  } catch {
    // The group is already gone.
  }
}

/**
 * `pnpm start`'s `main.ts` as its own detached process group on free ports and a temporary state
 * folder, so a test can `kill -9` the whole local runtime (node and its workerd) mid-flow and start
 * it again on the same ports and state, while the connectors keep running and reconnect by themselves.
 */
export async function startStackProcess(options: StackProcessOptions = {}): Promise<StackProcess> {
  const stateDir = mkdtempSync(join(tmpdir(), `clawdentity-${options.name ?? "stack"}-`));
  const registryPort = await findFreePort();
  const proxyPort = await findFreePort();
  const registryUrl = `http://127.0.0.1:${registryPort}`;
  const proxyUrl = `http://127.0.0.1:${proxyPort}`;
  const output = createRecentLines();
  const startTimeoutMs = options.startTimeoutMs ?? 60_000;
  let child: ChildProcess | null = null;
  let exited: Promise<void> = Promise.resolve();

  // A test process that dies must not leave a detached workerd behind.
  const killOnExit = () => {
    if (child) killGroup(child, "SIGKILL");
  };
  process.once("exit", killOnExit);

  const spawnStack = async () => {
    const started = spawn(process.execPath, ["--import", "tsx", MAIN], {
      cwd: REPO_ROOT,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
      env: {
        ...process.env,
        CLAWDENTITY_REGISTRY_PORT: String(registryPort),
        CLAWDENTITY_PROXY_PORT: String(proxyPort),
        CLAWDENTITY_STATE_DIR: stateDir,
        ...(options.cronIntervalMs ? { CLAWDENTITY_CRON_INTERVAL_MS: String(options.cronIntervalMs) } : {}),
        CLAWDENTITY_PROXY_VARS: JSON.stringify(options.proxyVars ?? {}),
      },
    });
    child = started;
    let ready = false;
    for (const stream of [started.stdout, started.stderr]) {
      createInterface({ input: stream as NodeJS.ReadableStream }).on("line", (line) => {
        if (line === STACK_READY_LINE) ready = true;
        output.push(line);
      });
    }
    let exit: { code: number | null; signal: NodeJS.Signals | null } | null = null;
    exited = new Promise((resolve) => {
      started.once("exit", (code, signal) => {
        exit = { code, signal };
        output.push(`[stack process exited: ${code ?? signal}]`);
        resolve();
      });
    });
    try {
      await waitFor(
        "the stack's migrations applied and registry and proxy /health",
        async () => {
          if (exit) throw new Error(`the stack process exited (${exit.code ?? exit.signal})`);
          return ready && (await isHealthy(registryUrl)) && (await isHealthy(proxyUrl));
        },
        { timeoutMs: startTimeoutMs, intervalMs: 200 },
      );
    } catch (error) {
      killGroup(started, "SIGKILL");
      throw new Error(`${(error as Error).message}\n${output.recent(20).join("\n")}`);
    }
  };

  const kill = async () => {
    const running = child;
    if (!running) return;
    child = null;
    killGroup(running, "SIGKILL");
    await exited;
    // workerd is not our child: its ports being free again is the sign that it is gone too.
    await waitFor(
      "the stack's ports free again",
      async () => (await isPortFree(registryPort)) && isPortFree(proxyPort),
    );
  };

  try {
    await spawnStack();
  } catch (error) {
    process.removeListener("exit", killOnExit);
    rmSync(stateDir, { recursive: true, force: true });
    throw error;
  }
  return {
    registryUrl,
    proxyUrl,
    registryPort,
    proxyPort,
    stateDir,
    secrets: resolveLocalStackSecrets(join(stateDir, "secrets.json")),
    recentRuntimeOutput: output.recent,
    pid: () => child?.pid ?? null,
    kill,
    async restart() {
      if (child) throw new Error("the stack process still runs; kill it first");
      await spawnStack();
    },
    async dispose() {
      try {
        await kill();
      } finally {
        process.removeListener("exit", killOnExit);
        rmSync(stateDir, { recursive: true, force: true });
      }
    },
  };
}
