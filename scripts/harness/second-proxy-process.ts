import { createRecentLines } from "./recent-lines";
import { createStackMainProcess } from "./stack-main-process";
import type { StackProcess } from "./stack-process";

/** Proxy B in a process of its own (`pnpm start --proxy-b only`), killable without touching the registry or proxy A. */
export interface SecondProxyProcess {
  proxyUrl: string;
  pid(): number | null;
  /** `kill -9` of proxy B's process group; resolves once its port is free again. */
  kill(): Promise<void>;
  /** Starts it again on the same port and state (`persist-b`); resolves once it answers `/health`. */
  restart(): Promise<void>;
  recentRuntimeOutput(lines?: number): string[];
  dispose(): Promise<void>;
}

export interface SecondProxyProcessOptions {
  /** How often proxy B's cron (revocation list, event feed) runs; the revocation bound is this plus a run. */
  cronIntervalMs?: number;
  proxyVars?: Record<string, string>;
  startTimeoutMs?: number;
}

/**
 * Runs the proxy B that `stack` (started with `secondProxy: "apart"`) registered: same state folder
 * (its secrets), its own Durable Object state and queues, the registry reached over HTTP only, and
 * revocations learnt from the registry's event feed by its own cron.
 */
export async function startSecondProxyProcess(
  stack: StackProcess,
  options: SecondProxyProcessOptions = {},
): Promise<SecondProxyProcess> {
  const { secondProxyPort, secondProxyUrl } = stack;
  if (!secondProxyPort || !secondProxyUrl) throw new Error("the stack was not started with secondProxy: apart");
  const output = createRecentLines();
  const main = createStackMainProcess({
    args: ["--proxy-b", "only"],
    env: {
      CLAWDENTITY_PROXY_B_PORT: String(secondProxyPort),
      CLAWDENTITY_REGISTRY_URL: stack.registryUrl,
      CLAWDENTITY_STATE_DIR: stack.stateDir,
      ...(options.cronIntervalMs ? { CLAWDENTITY_CRON_INTERVAL_MS: String(options.cronIntervalMs) } : {}),
      CLAWDENTITY_PROXY_VARS: JSON.stringify(options.proxyVars ?? {}),
    },
    healthUrls: [secondProxyUrl],
    ports: [secondProxyPort],
    output,
    startTimeoutMs: options.startTimeoutMs ?? 60_000,
  });
  try {
    await main.start();
  } catch (error) {
    main.release();
    throw error;
  }
  return {
    proxyUrl: secondProxyUrl,
    pid: main.pid,
    kill: main.kill,
    restart: main.start,
    recentRuntimeOutput: output.recent,
    async dispose() {
      try {
        await main.kill();
      } finally {
        main.release();
      }
    },
  };
}
