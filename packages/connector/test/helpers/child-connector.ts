import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const PACKAGE_DIR = fileURLToPath(new URL("../..", import.meta.url));
const MAIN = fileURLToPath(new URL("../../src/main.ts", import.meta.url));

export interface ChildConnector {
  pid: number;
  localApiUrl: string;
  logs: string[];
  // biome-ignore lint/suspicious/noExplicitAny: tests assert response bodies field by field
  api(method: string, path: string, body?: unknown): Promise<{ status: number; json: any }>;
  /** `kill -9`: no shutdown hook runs, exactly like a crash or power cut of the process. */
  kill9(): Promise<void>;
  /** SIGTERM and wait for a clean exit. */
  stop(): Promise<number | null>;
}

function waitForExit(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once("exit", (code) => resolve(code)));
}

function parseLogLine(line: string): { message?: string; localApiUrl?: string } | null {
  try {
    return JSON.parse(line);
  } catch {
    return null;
  }
}

/** Runs `src/main.ts` as a real child process through tsx, the way `clawdentity connector start` will. */
export async function spawnConnector(options: {
  home: string;
  agentName: string;
  token: string;
}): Promise<ChildConnector> {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", MAIN, "--agent", options.agentName, "--home", options.home],
    {
      cwd: PACKAGE_DIR,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, CLAWDENTITY_HOME: options.home },
    },
  );
  const logs: string[] = [];
  let buffered = "";
  const localApiUrl = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`connector did not start:\n${logs.join("\n")}`)), 30_000);
    child.stdout?.on("data", (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split("\n");
      buffered = lines.pop() ?? "";
      for (const line of lines) {
        logs.push(line);
        const entry = parseLogLine(line);
        if (entry?.message === "connector started" && entry.localApiUrl) {
          clearTimeout(timer);
          resolve(entry.localApiUrl);
        }
      }
    });
    child.stderr?.on("data", (chunk: Buffer) => logs.push(chunk.toString()));
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`connector exited with ${code}:\n${logs.join("\n")}`));
    });
  });
  return {
    pid: child.pid as number,
    localApiUrl,
    logs,
    async api(method, path, body) {
      const response = await fetch(`${localApiUrl}${path}`, {
        method,
        headers: { authorization: `Bearer ${options.token}`, "content-type": "application/json" },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return { status: response.status, json: await response.json() };
    },
    async kill9() {
      child.kill("SIGKILL");
      await waitForExit(child);
    },
    async stop() {
      child.kill("SIGTERM");
      return waitForExit(child);
    },
  };
}
