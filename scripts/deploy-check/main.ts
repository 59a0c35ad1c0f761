import { fileURLToPath } from "node:url";
import { checkDeploy, toWorkerUnderCheck } from "./check-deploy";

/** `pnpm deploy-check`: every environment of both Workers dry-runs clean, or the run fails naming why. */
const repoRoot = fileURLToPath(new URL("../..", import.meta.url));
const workers = [
  toWorkerUnderCheck(repoRoot, "registry", "clawdentity-registry"),
  toWorkerUnderCheck(repoRoot, "proxy", "clawdentity-proxy"),
];
const started = Date.now();
const findings = checkDeploy(workers);
for (const finding of findings) console.error(`✗ ${finding.worker} [${finding.environment}]: ${finding.problem}`);
if (findings.length > 0) {
  console.error(`deploy check: ${findings.length} problem(s)`);
  process.exit(1);
}
console.log(
  `deploy check: every environment of ${workers.map((worker) => worker.name).join(" and ")} dry-runs clean (${((Date.now() - started) / 1000).toFixed(1)} s)`,
);
