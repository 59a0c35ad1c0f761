import { execFileSync } from "node:child_process";
import {
  chmodSync,
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from "node:fs";
import { join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { buildSync, type Metafile } from "esbuild";
import { buildOnce, listSourceFiles, toContentFingerprint } from "../build-cache";
import { toNpmEnv } from "./npm-env";

const REPO_ROOT = fileURLToPath(new URL("../..", import.meta.url));
/** The workspace packages bundled into the one `clawdentity` package. */
const BUNDLED_PACKAGES = ["cli", "connector", "protocol", "sdk"];
/** Native: installed by npm beside the bundle (it builds or downloads its addon for the user's Node). */
const NATIVE_DEPENDENCIES = ["better-sqlite3"];

export interface CliPackage {
  /** The `npm pack` tarball: `clawdentity-<version>.tgz`. */
  tarball: string;
  /** The unpacked package the tarball was made from. */
  packageDir: string;
  version: string;
  /** true when this content was built before and reused. */
  cached: boolean;
}

interface PackageJson {
  name: string;
  version: string;
  description?: string;
  license?: string;
  engines?: Record<string, string>;
  dependencies?: Record<string, string>;
}

function readPackageJson(dir: string): PackageJson {
  return JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as PackageJson;
}

/** Everything the package is made of: sources, manifests, lockfile, esbuild, and this script. */
function toPackageFingerprint(repoRoot: string): string {
  return toContentFingerprint(repoRoot, [
    ...BUNDLED_PACKAGES.flatMap((name) => [
      ...listSourceFiles(join(repoRoot, "packages", name, "src")),
      join(repoRoot, "packages", name, "package.json"),
    ]),
    join(repoRoot, "packages", "cli", "README.md"),
    join(repoRoot, "package.json"),
    join(repoRoot, "pnpm-lock.yaml"),
    fileURLToPath(import.meta.url),
  ]);
}

/**
 * The CLI, the connector, the protocol and the sdk as plain JavaScript: one entry plus chunks that
 * load on demand (a command's module, zod, the connector), so `--help` loads only commander.
 */
function bundle(repoRoot: string, outDir: string): Metafile {
  const result = buildSync({
    absWorkingDir: repoRoot,
    entryPoints: { clawdentity: "packages/cli/src/main.ts" },
    outdir: outDir,
    chunkNames: "chunks/[name]-[hash]",
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "node",
    target: "node20.19",
    external: NATIVE_DEPENDENCIES,
    // CommonJS dependencies (commander, ws) call require() for Node's built-ins.
    banner: { js: 'import { createRequire as __cr } from "node:module"; const require = __cr(import.meta.url);' },
    minify: true,
    legalComments: "none",
    metafile: true,
    logLevel: "error",
  });
  return result.metafile;
}

/** What may load before a command runs: the CLI's own light modules and commander. */
const isStartupInput = (input: string) =>
  input.startsWith("packages/cli/") || /node_modules\/(\.pnpm\/[^/]+\/node_modules\/)?commander\//.test(input);

/**
 * `--help` stays fast only while the entry's static imports reach nothing heavy (zod, the
 * connector, SQLite): a static import of one from the entry's side fails the build, naming it.
 */
function assertLightStartup(metafile: Metafile): void {
  const outputs = metafile.outputs;
  const entry = Object.keys(outputs).find((path) => outputs[path]?.entryPoint === "packages/cli/src/main.ts");
  const seen = new Set<string>();
  const visit = (path: string) => {
    if (seen.has(path)) return;
    seen.add(path);
    for (const imported of outputs[path]?.imports ?? []) {
      if (imported.kind === "import-statement" && !imported.external) visit(imported.path);
    }
  };
  if (entry) visit(entry);
  const heavy = [...seen]
    .flatMap((path) => Object.keys(outputs[path]?.inputs ?? {}))
    .filter((input) => !isStartupInput(input));
  if (!entry || heavy.length > 0) {
    throw new Error(
      `clawdentity's start-up would load ${heavy.slice(0, 5).join(", ") || "nothing (no entry found)"}: import it from a command's module instead`,
    );
  }
}

/** The third-party packages inside the bundle, with their licence texts (they ship inside our files). */
function toThirdPartyNotices(repoRoot: string, metafile: Metafile): string {
  const dirs = new Set<string>();
  for (const input of Object.keys(metafile.inputs)) {
    const match = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(input);
    if (match?.[1]) dirs.add(resolve(repoRoot, match[1]));
  }
  const sections = [...dirs]
    .map((dir) => {
      const manifest = readPackageJson(dir);
      const licenceFile = readdirSync(dir).find((name) => /^(licen[cs]e|copying)/i.test(name));
      const text = licenceFile ? readFileSync(join(dir, licenceFile), "utf8").trim() : `License: ${manifest.license}`;
      return { title: `${manifest.name}@${manifest.version} (${manifest.license ?? "see text"})`, text };
    })
    .sort((a, b) => a.title.localeCompare(b.title));
  return [
    "# Third-party notices",
    "",
    "The files in `dist/` bundle these packages:",
    "",
    ...sections.flatMap((section) => [`## ${section.title}`, "", "```text", section.text, "```", ""]),
  ].join("\n");
}

function writePackage(repoRoot: string, packageDir: string): string {
  const cli = readPackageJson(join(repoRoot, "packages", "cli"));
  const root = readPackageJson(repoRoot);
  const connector = readPackageJson(join(repoRoot, "packages", "connector"));
  const metafile = bundle(repoRoot, join(packageDir, "dist"));
  assertLightStartup(metafile);

  mkdirSync(join(packageDir, "bin"));
  const bin = join(packageDir, "bin", "clawdentity.js");
  // Node 22.1+ keeps compiled code between runs (faster start-up); older Nodes skip it.
  writeFileSync(
    bin,
    [
      "#!/usr/bin/env node",
      'import module from "node:module";',
      "module.enableCompileCache?.();",
      'await import("../dist/clawdentity.js");',
      "",
    ].join("\n"),
  );
  chmodSync(bin, 0o755);
  writeFileSync(join(packageDir, "THIRD_PARTY_NOTICES.md"), toThirdPartyNotices(repoRoot, metafile));
  copyFileSync(join(repoRoot, "packages", "cli", "README.md"), join(packageDir, "README.md"));
  // Files `openclaw setup` installs into a gateway as they are (the hook transform), beside the chunks.
  cpSync(join(repoRoot, "packages", "cli", "src", "openclaw", "assets"), join(packageDir, "dist", "openclaw-assets"), {
    recursive: true,
  });
  const manifest = {
    name: "clawdentity",
    version: cli.version,
    description:
      "Agent identities, pairing and a signed, durable relay for agent-to-agent messages: the CLI and connector",
    type: "module",
    bin: { clawdentity: "bin/clawdentity.js" },
    files: ["bin", "dist", "THIRD_PARTY_NOTICES.md"],
    engines: root.engines,
    dependencies: Object.fromEntries(
      NATIVE_DEPENDENCIES.map((name) => {
        const version = connector.dependencies?.[name];
        if (!version) throw new Error(`packages/connector/package.json does not name ${name}`);
        return [name, version];
      }),
    ),
  };
  writeFileSync(join(packageDir, "package.json"), `${JSON.stringify(manifest, null, 2)}\n`);
  return cli.version;
}

function npmPack(packageDir: string, destination: string): string {
  const output = execFileSync("npm", ["pack", "--json", "--pack-destination", destination], {
    cwd: packageDir,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
    env: toNpmEnv(),
  });
  const [packed] = JSON.parse(output) as Array<{ filename: string }>;
  if (!packed) throw new Error("npm pack printed no tarball");
  return packed.filename;
}

/**
 * Builds the publishable `clawdentity` npm package (bundle, `bin`, `engines`, better-sqlite3 as its
 * one dependency) and packs it, once per source content: the result lives in
 * `<cacheDir>/cli-package-<fingerprint>/` and every later call (a test run, `pnpm package`) reuses it.
 */
export function buildCliPackage(options: { repoRoot?: string; cacheDir?: string } = {}): CliPackage {
  const repoRoot = resolve(options.repoRoot ?? REPO_ROOT);
  const cacheDir = resolve(options.cacheDir ?? join(repoRoot, ".dev-state", "build-cache"));
  const version = readPackageJson(join(repoRoot, "packages", "cli")).version;
  const tarballName = `clawdentity-${version}.tgz`;
  const built = buildOnce({
    cacheDir,
    prefix: "cli-package-",
    fingerprint: toPackageFingerprint(repoRoot),
    output: tarballName,
    build(tempDir) {
      const packageDir = join(tempDir, "package");
      mkdirSync(packageDir);
      writePackage(repoRoot, packageDir);
      const packed = npmPack(packageDir, tempDir);
      if (packed !== tarballName) throw new Error(`npm pack wrote ${packed}, expected ${tarballName}`);
    },
  });
  const packageDir = join(built.dir, "package");
  if (!existsSync(packageDir)) throw new Error(`${relative(repoRoot, built.dir)} has no package folder`);
  return { tarball: built.output, packageDir, version, cached: built.cached };
}
