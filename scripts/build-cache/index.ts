import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from "node:fs";
import { join, relative } from "node:path";

/** Folders that never end up in a bundle; skipping them keeps a test edit from forcing a rebuild. */
const SKIPPED_DIRS = new Set(["node_modules", "dist", ".wrangler", "test", "bench", "scripts", "migrations"]);
const OLD_BUILD_AGE_MS = 60 * 60 * 1000;

/** The files under `dir` a bundle is made of: no tests, no Markdown, none of the skipped folders. */
export function listSourceFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return SKIPPED_DIRS.has(entry.name) ? [] : listSourceFiles(path);
    return entry.isFile() && !entry.name.endsWith(".test.ts") && !entry.name.endsWith(".md") ? [path] : [];
  });
}

/** sha256 (16 hex digits) over the files' repo-relative names and contents, in a stable order. */
export function toContentFingerprint(repoRoot: string, files: readonly string[]): string {
  const hash = createHash("sha256");
  for (const file of [...files].sort()) {
    hash.update(relative(repoRoot, file)).update("\0").update(readFileSync(file)).update("\0");
  }
  return hash.digest("hex").slice(0, 16);
}

function pruneOldBuilds(cacheDir: string, prefix: string, keep: string): void {
  for (const name of readdirSync(cacheDir)) {
    if (!name.startsWith(prefix) || name === keep) continue;
    const path = join(cacheDir, name);
    // Another process may have just built it; only builds untouched for an hour are dropped.
    if (Date.now() - statSync(path).mtimeMs > OLD_BUILD_AGE_MS) rmSync(path, { recursive: true, force: true });
  }
}

/**
 * Runs `build(tempDir)` once per content: its output lives in `<cacheDir>/<prefix><fingerprint>`
 * and is reused while `output` (a path inside it) exists. Concurrent builders each write a private
 * folder and rename it into place; the first one wins. Older builds of the same prefix are pruned.
 */
export function buildOnce(input: {
  cacheDir: string;
  prefix: string;
  fingerprint: string;
  /** The file inside the build folder that proves a build complete. */
  output: string;
  build(tempDir: string): void;
}): { dir: string; output: string; cached: boolean } {
  const key = `${input.prefix}${input.fingerprint}`;
  const dir = join(input.cacheDir, key);
  const output = join(dir, input.output);
  if (existsSync(output)) return { dir, output, cached: true };

  mkdirSync(input.cacheDir, { recursive: true });
  const tempDir = join(input.cacheDir, `.tmp-${key}-${process.pid}-${Date.now()}`);
  mkdirSync(tempDir);
  try {
    input.build(tempDir);
    renameSync(tempDir, dir);
  } catch (error) {
    if (!existsSync(output)) throw error;
  } finally {
    rmSync(tempDir, { recursive: true, force: true });
  }
  pruneOldBuilds(input.cacheDir, input.prefix, key);
  return { dir, output, cached: false };
}
