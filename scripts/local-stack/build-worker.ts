import { execFileSync } from "node:child_process";
import { basename, join, relative } from "node:path";
import { buildOnce, listSourceFiles, toContentFingerprint } from "../build-cache";

/**
 * Content hash of everything a Worker bundle is made of: the app, the two workspace packages it
 * imports, the lockfile (third-party versions) and the wrangler that bundles it.
 */
export function toWorkerFingerprint(repoRoot: string, appDir: string): string {
  return toContentFingerprint(repoRoot, [
    ...listSourceFiles(appDir),
    ...listSourceFiles(join(repoRoot, "packages", "protocol", "src")),
    ...listSourceFiles(join(repoRoot, "packages", "sdk", "src")),
    join(repoRoot, "pnpm-lock.yaml"),
    join(repoRoot, "node_modules", "wrangler", "package.json"),
  ]);
}

function runWranglerBuild(repoRoot: string, appDir: string, outDir: string): void {
  const wrangler = join(repoRoot, "node_modules", ".bin", "wrangler");
  try {
    execFileSync(wrangler, ["deploy", "--dry-run", "--outdir", outDir], {
      cwd: appDir,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "true" },
    });
  } catch (error) {
    const output = String((error as { stderr?: Buffer }).stderr ?? "").trim();
    throw new Error(`wrangler could not bundle ${relative(repoRoot, appDir)}: ${output || (error as Error).message}`);
  }
}

/**
 * Bundles one Worker exactly as `wrangler deploy` would (without deploying it), once per source
 * content: the bundle lives in `<cacheDir>/<app>-<fingerprint>` and is reused by every later stack.
 */
export function buildWorker(input: { repoRoot: string; appDir: string; cacheDir: string }): string {
  const app = basename(input.appDir);
  return buildOnce({
    cacheDir: input.cacheDir,
    prefix: `${app}-`,
    fingerprint: toWorkerFingerprint(input.repoRoot, input.appDir),
    output: "worker.js",
    build: (tempDir) => runWranglerBuild(input.repoRoot, input.appDir, tempDir),
  }).output;
}
