import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type LocalStack, startLocalStack } from "../local-stack/start-local-stack";
import { findFreePort } from "./free-port";
import { createRecentLines } from "./recent-lines";
import { REPO_ROOT } from "./repo-root";

export interface ScratchStack extends LocalStack {
  stateDir: string;
  /** The last lines workerd printed (the Workers' console output), for a failure report. */
  recentRuntimeOutput(lines?: number): string[];
}

/** What an agent world needs of a stack, in this process or in its own (`startStackProcess`). */
export type RunningStack = Pick<
  ScratchStack,
  "registryUrl" | "proxyUrl" | "secrets" | "stateDir" | "recentRuntimeOutput" | "dispose"
>;

/**
 * Registry and proxy in one workerd on free ports with a fresh temporary state folder, so it never
 * clashes with a running `pnpm start` or another suite; `dispose()` stops it and removes the folder.
 */
export async function startScratchStack(
  options: {
    name?: string;
    cronIntervalMs?: number;
    log?: (line: string) => void;
    /** Extra proxy Worker vars (operator policy such as `SENDER_RATE_LIMIT_PER_MINUTE`). */
    proxyVars?: Record<string, string>;
    /** 2: a second proxy deployment beside the first, on its own free port (PROTOCOL.md §11). */
    proxies?: 1 | 2;
  } = {},
): Promise<ScratchStack> {
  const stateDir = mkdtempSync(join(tmpdir(), `clawdentity-${options.name ?? "stack"}-`));
  // Kept instead of printed: a demo or a test report stays readable, the lines are there on failure.
  const runtimeLines = createRecentLines();
  try {
    const stack = await startLocalStack({
      repoRoot: REPO_ROOT,
      stateDir,
      registryPort: await findFreePort(),
      proxyPort: await findFreePort(),
      ...(options.cronIntervalMs === undefined ? {} : { cronIntervalMs: options.cronIntervalMs }),
      ...(options.log ? { log: options.log } : {}),
      ...(options.proxyVars ? { proxyVars: options.proxyVars } : {}),
      ...(options.proxies === 2 ? { proxies: 2 as const, secondProxyPort: await findFreePort() } : {}),
      runtimeOutput: runtimeLines.push,
    });
    return {
      ...stack,
      stateDir,
      recentRuntimeOutput: runtimeLines.recent,
      async dispose() {
        try {
          await stack.dispose();
        } finally {
          rmSync(stateDir, { recursive: true, force: true });
        }
      },
    };
  } catch (error) {
    rmSync(stateDir, { recursive: true, force: true });
    throw error;
  }
}
