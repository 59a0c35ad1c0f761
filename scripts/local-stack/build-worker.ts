import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from "node:fs";
import { basename, join, relative } from "node:path";

/** Folders that never end up in a Worker bundle; skipping them keeps a test edit from forcing a rebuild. */
const SKIPPED_DIRS = new Set(["node_modules", "dist", ".wrangler", "test", "bench", "scripts", "migrations"]);
const OLD_BUILD_AGE_MS = 60 * 60 * 1000;

function listSourceFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return SKIPPED_DIRS.has(entry.name) ? [] : listSourceFiles(path);
    return entry.isFile() && !entry.name.endsWith(".test.ts") && !entry.name.endsWith(".md") ? [path] : [];
  });
}

/**
 * Content hash of everything a Worker bundle is made of: the app, the two workspace packages it
 * imports, the lockfile (third-party versions) and the wrangler that bundles it.
 */
export function toWorkerFingerprint(repoRoot: string, appDir: string): string {
  const files = [
    ...listSourceFiles(appDir),
    ...listSourceFiles(join(repoRoot, "packages", "protocol", "src")),
    ...listSourceFiles(join(repoRoot, "packages", "sdk", "src")),
    join(repoRoot, "pnpm-lock.yaml"),
    join(repoRoot, "node_modules", "wrangler", "package.json"),
  ].sort();
  const hash = createHash("sha256");
  for (const file of files) {
    hash.update(relative(repoRoot, file)).update("\0").update(readFileSync(file)).update("\0");
  }
  return hash.digest("hex").slice(0, 16);
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

function pruneOldBuilds(cacheDir: string, app: string, keep: string): void {
  for (const name of readdirSync(cacheDir)) {
    if (!name.startsWith(`${app}-`) || name === keep) continue;
    const path = join(cacheDir, name);
    // Another stack may have just built it; only builds untouched for an hour are dropped.
    if (Date.now() - statSync(path).mtimeMs > OLD_BUILD_AGE_MS) rmSync(path, { recursive: true, force: true });
  }
}

/**
 * Bundles one Worker exactly as `wrangler deploy` would (without deploying it), once per source
 * content: the bundle lives in `<cacheDir>/<app>-<fingerprint>` and is reused by every later stack.
 * Concurrent builders each write a private folder and rename it into place; the first one wins.
 */
export function buildWorker(input: { repoRoot: string; appDir: string; cacheDir: string }): string {
  const app = basename(input.appDir);
  const key = `${app}-${toWorkerFingerprint(input.repoRoot, input.appDir)}`;
  const finalDir = join(input.cacheDir, key);
  const script = join(finalDir, "worker.js");
  if (existsSync(script)) return script;

  mkdirSync(input.cacheDir, { recursive: true });
  const tempDir = join(input.cacheDir, `.tmp-${key}-${process.pid}-${Date.now()}`);
  try {
    runWranglerBuild(input.repoRoot, input.appDir, tempDir);
    renameSync(tempDir, finalDir);
  } catch (error) {
    if (!existsSync(script)) throw error;
  } finally {
    rmSync(tempDir, { recursive: true, force: true });
  }
  pruneOldBuilds(input.cacheDir, app, key);
  return script;
}
