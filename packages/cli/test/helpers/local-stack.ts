import { rmSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type LocalStack, startLocalStack } from "../../../../scripts/local-stack/start-local-stack";

export const REPO_ROOT = fileURLToPath(new URL("../../../../", import.meta.url));

/** Ports of the CLI suite's own stack, apart from the dev stack (8787/8788) and other suites. */
const REGISTRY_PORT = 18698;
const PROXY_PORT = 18697;

/**
 * Registry and proxy in one workerd, with fresh state under the repo's ignored `.dev-state/`
 * (workerd refuses module paths that leave the working tree).
 */
export async function startCliTestStack(): Promise<LocalStack & { stateDir: string }> {
  const stateDir = join(REPO_ROOT, ".dev-state", `cli-test-${process.pid}`);
  rmSync(stateDir, { recursive: true, force: true });
  // Miniflare names the bundled modules relative to the working directory and workerd refuses
  // names with "..", so the stack is started from the repo root (its state dir lies below it).
  const cwd = process.cwd();
  process.chdir(REPO_ROOT);
  let stack: LocalStack;
  try {
    stack = await startLocalStack({
      repoRoot: REPO_ROOT,
      stateDir,
      registryPort: REGISTRY_PORT,
      proxyPort: PROXY_PORT,
      cronIntervalMs: 5_000,
    });
  } catch (error) {
    rmSync(stateDir, { recursive: true, force: true });
    throw error;
  } finally {
    process.chdir(cwd);
  }
  return {
    ...stack,
    stateDir,
    async dispose() {
      await stack.dispose();
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
}
