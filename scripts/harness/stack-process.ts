import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { resolveLocalStackSecrets } from "../local-stack/secrets";
import { findFreePort } from "./free-port";
import { createRecentLines } from "./recent-lines";
import type { RunningStack } from "./scratch-stack";
import { createStackMainProcess } from "./stack-main-process";

export interface StackProcess extends RunningStack {
  registryPort: number;
  proxyPort: number;
  /** With `secondProxy: "apart"`: the port and URL proxy B is registered with (`startSecondProxyProcess` runs it). */
  secondProxyPort?: number;
  secondProxyUrl?: string;
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
  /** `apart`: proxy B registered at this registry, to be run by `startSecondProxyProcess` (`--proxy-b apart`). */
  secondProxy?: "apart";
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
  const secondProxyPort = options.secondProxy ? await findFreePort() : undefined;
  const registryUrl = `http://127.0.0.1:${registryPort}`;
  const proxyUrl = `http://127.0.0.1:${proxyPort}`;
  const output = createRecentLines();
  const main = createStackMainProcess({
    args: options.secondProxy ? ["--proxy-b", options.secondProxy] : [],
    env: {
      CLAWDENTITY_REGISTRY_PORT: String(registryPort),
      CLAWDENTITY_PROXY_PORT: String(proxyPort),
      ...(secondProxyPort ? { CLAWDENTITY_PROXY_B_PORT: String(secondProxyPort) } : {}),
      CLAWDENTITY_STATE_DIR: stateDir,
      ...(options.cronIntervalMs ? { CLAWDENTITY_CRON_INTERVAL_MS: String(options.cronIntervalMs) } : {}),
      CLAWDENTITY_PROXY_VARS: JSON.stringify(options.proxyVars ?? {}),
    },
    healthUrls: [registryUrl, proxyUrl],
    ports: [registryPort, proxyPort],
    output,
    startTimeoutMs: options.startTimeoutMs ?? 60_000,
  });

  try {
    await main.start();
  } catch (error) {
    main.release();
    rmSync(stateDir, { recursive: true, force: true });
    throw error;
  }
  return {
    registryUrl,
    proxyUrl,
    registryPort,
    proxyPort,
    ...(secondProxyPort ? { secondProxyPort, secondProxyUrl: `http://127.0.0.1:${secondProxyPort}` } : {}),
    stateDir,
    secrets: resolveLocalStackSecrets(join(stateDir, "secrets.json")),
    recentRuntimeOutput: output.recent,
    pid: main.pid,
    kill: main.kill,
    restart: main.start,
    async dispose() {
      try {
        await main.kill();
      } finally {
        main.release();
        rmSync(stateDir, { recursive: true, force: true });
      }
    },
  };
}
