import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { toNpmEnv } from "./npm-env";

const REPO_ROOT = fileURLToPath(new URL("../..", import.meta.url));

export interface InstalledCliPackage {
  /** The folder the package was installed into (`npm install <tarball>` in an empty project). */
  dir: string;
  /** `node_modules/.bin/clawdentity`, as npm linked it. */
  bin: string;
}

/** prebuild-install's file name for this Node, platform and architecture (glibc is the unnamed default). */
function toPrebuildName(version: string): string {
  const report = process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined;
  const libc = process.platform === "linux" && !report?.header?.glibcVersionRuntime ? "musl" : "";
  return `better-sqlite3-v${version}-node-v${process.versions.modules}-${process.platform}${libc}-${process.arch}.tar.gz`;
}

/**
 * better-sqlite3's install script (prebuild-install) first looks in a local prebuilds folder: this
 * hands it the addon the repository's own install already built for this very Node, so installing
 * the package neither downloads nor compiles it again (the rest comes from the npm registry/cache).
 */
function createLocalPrebuild(repoRoot: string, into: string): { env: Record<string, string> } {
  const require = createRequire(join(repoRoot, "packages", "connector", "package.json"));
  const packageDir = dirname(require.resolve("better-sqlite3/package.json"));
  const { version } = JSON.parse(readFileSync(join(packageDir, "package.json"), "utf8")) as { version: string };
  const stage = join(into, "stage");
  mkdirSync(join(stage, "build", "Release"), { recursive: true });
  copyFileSync(
    join(packageDir, "build", "Release", "better_sqlite3.node"),
    join(stage, "build", "Release", "better_sqlite3.node"),
  );
  const prebuilds = join(into, "prebuilds");
  mkdirSync(prebuilds);
  execFileSync("tar", ["-czf", join(prebuilds, toPrebuildName(version)), "-C", stage, "build"]);
  return { env: { npm_config_better_sqlite3_local_prebuilds: prebuilds } };
}

/**
 * `npm install <tarball>` into a fresh folder outside the repository, as a user would (a project of
 * its own, so nothing resolves from the repository's node_modules).
 */
export function installCliPackage(input: { tarball: string; dir?: string; repoRoot?: string }): InstalledCliPackage {
  const dir = input.dir ?? mkdtempSync(join(tmpdir(), "clawdentity-installed-"));
  writeFileSync(join(dir, "package.json"), `${JSON.stringify({ name: "uses-clawdentity", private: true })}\n`);
  const scratch = mkdtempSync(join(tmpdir(), "clawdentity-prebuild-"));
  try {
    const prebuild = createLocalPrebuild(input.repoRoot ?? REPO_ROOT, scratch);
    execFileSync("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", input.tarball], {
      cwd: dir,
      stdio: ["ignore", "pipe", "pipe"],
      env: toNpmEnv(prebuild.env),
    });
  } catch (error) {
    const stderr = String((error as { stderr?: Buffer }).stderr ?? "").trim();
    throw new Error(`npm install ${input.tarball} failed: ${stderr || (error as Error).message}`);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  return { dir, bin: join(dir, "node_modules", ".bin", "clawdentity") };
}
