import { execFileSync } from "node:child_process";
import { join } from "node:path";

/** Bundles one Worker exactly as `wrangler deploy` would, without deploying it. */
export function buildWorker(input: { repoRoot: string; appDir: string; outDir: string }): string {
  const wrangler = join(input.repoRoot, "node_modules", ".bin", "wrangler");
  execFileSync(wrangler, ["deploy", "--dry-run", "--outdir", input.outDir], {
    cwd: input.appDir,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "true" },
  });
  return join(input.outDir, "worker.js");
}
