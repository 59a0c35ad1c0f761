import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { STACK_READY_LINE } from "../local-stack/stack-env";
import { isPortFree } from "./free-port";
import type { RecentLines } from "./recent-lines";
import { REPO_ROOT } from "./repo-root";
import { waitFor } from "./wait-for";

const MAIN = join("scripts", "local-stack", "main.ts");

/** One `pnpm start` (`main.ts`) process the harness can start, `kill -9` and start again. */
export interface StackMainProcess {
  /** Starts it; resolves once it printed that it is ready (migrations applied) and every URL answers `/health`. */
  start(): Promise<void>;
  /** `kill -9` of the whole process group (node and workerd); resolves once its ports are free again. */
  kill(): Promise<void>;
  pid(): number | null;
  isRunning(): boolean;
  /** Stops watching for this test process's exit (after a final `kill`). */
  release(): void;
}

export interface StackMainProcessOptions {
  args: string[];
  env: Record<string, string>;
  /** Base URLs that must answer `/health` once started. */
  healthUrls: string[];
  /** Loopback ports it listens on: free again once it is gone. */
  ports: number[];
  output: RecentLines;
  startTimeoutMs: number;
}

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
 * `main.ts` as its own detached process group, so a test can `kill -9` the whole local runtime
 * (node and its workerd) mid-flow and start it again on the same ports and state.
 */
export function createStackMainProcess(options: StackMainProcessOptions): StackMainProcess {
  const { output } = options;
  let child: ChildProcess | null = null;
  let exited: Promise<void> = Promise.resolve();

  // A test process that dies must not leave a detached workerd behind.
  const killOnExit = () => {
    if (child) killGroup(child, "SIGKILL");
  };
  process.once("exit", killOnExit);

  return {
    async start() {
      if (child) throw new Error("the stack process still runs; kill it first");
      const started = spawn(process.execPath, ["--import", "tsx", MAIN, ...options.args], {
        cwd: REPO_ROOT,
        detached: true,
        stdio: ["ignore", "pipe", "pipe"],
        env: { ...process.env, ...options.env },
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
          `the stack ready and ${options.healthUrls.join(" and ")} /health`,
          async () => {
            if (exit) throw new Error(`the stack process exited (${exit.code ?? exit.signal})`);
            // Both Workers answer /health before the migrations have run: the ready line comes after.
            if (!ready) return false;
            for (const url of options.healthUrls) if (!(await isHealthy(url))) return false;
            return true;
          },
          { timeoutMs: options.startTimeoutMs, intervalMs: 200 },
        );
      } catch (error) {
        killGroup(started, "SIGKILL");
        child = null;
        throw new Error(`${(error as Error).message}\n${output.recent(20).join("\n")}`);
      }
    },
    async kill() {
      const running = child;
      if (!running) return;
      child = null;
      killGroup(running, "SIGKILL");
      await exited;
      // workerd is not our child: its ports being free again is the sign that it is gone too.
      await waitFor("the stack's ports free again", async () => {
        for (const port of options.ports) if (!(await isPortFree(port))) return false;
        return true;
      });
    },
    pid: () => child?.pid ?? null,
    isRunning: () => child !== null,
    release: () => process.removeListener("exit", killOnExit),
  };
}
