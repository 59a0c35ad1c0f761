import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import {
  checkDeploy,
  readBindingNames,
  readEnvironments,
  readSecretNames,
  toWorkerUnderCheck,
} from "../../scripts/deploy-check/check-deploy";
import { REPO_ROOT } from "../../scripts/harness";

const written: string[] = [];

/** A copy of the proxy's wrangler config beside the real one (paths inside it stay valid), edited by `mutilate`. */
function mutilatedProxy(mutilate: (text: string) => string) {
  const file = `wrangler.check-${process.pid}-${written.length}.jsonc`;
  const original = readFileSync(join(REPO_ROOT, "apps", "proxy", "wrangler.jsonc"), "utf8");
  const changed = mutilate(original);
  expect(changed, "the mutilation applied").not.toBe(original);
  const path = join(REPO_ROOT, "apps", "proxy", file);
  writeFileSync(path, changed);
  written.push(path);
  return toWorkerUnderCheck(REPO_ROOT, "proxy", "clawdentity-proxy", file);
}

afterEach(() => {
  for (const path of written.splice(0)) rmSync(path, { force: true });
});

describe("the deploy check derives what it checks from the generated types", () => {
  it("reads every environment and every binding the code is typed against, secrets apart", () => {
    const worker = toWorkerUnderCheck(REPO_ROOT, "proxy", "clawdentity-proxy");
    const types = readFileSync(worker.typesPath, "utf8");
    expect(readEnvironments(types)).toEqual(["local", "dev", "production"]);
    expect(readBindingNames(types)).toEqual(
      expect.arrayContaining(["RECEIPTS", "RELAY_SESSIONS", "OPS", "REGISTRY", "ENVIRONMENT", "REGISTRY_URL"]),
    );
    expect(readSecretNames(readFileSync(worker.secretsPath, "utf8"))).toEqual([
      "PAIRING_TICKET_SECRET",
      "METRICS_TOKEN",
      "REGISTRY_SERVICE_TOKEN",
      "PROXY_SIGNING_KEY",
    ]);
  });
});

describe("the deploy check fails on a broken config, naming the problem", () => {
  it("a binding removed from one environment: the missing binding and wrangler's warning", () => {
    const worker = mutilatedProxy((text) =>
      text.replace(/"services": \[\{ "binding": "REGISTRY", "service": "clawdentity-registry-production" \}\],\n/, ""),
    );
    const findings = checkDeploy([worker], { environments: ["production"] });
    const problems = findings.map((finding) => `${finding.environment}: ${finding.problem}`);
    expect(problems).toContain("production: lacks binding REGISTRY, which the code reads");
    expect(problems.some((problem) => /wrangler warning: .*"services" exists at the top level/.test(problem))).toBe(
      true,
    );
  });

  it("a queue name shared between two environments", () => {
    const worker = mutilatedProxy((text) =>
      text.replace(
        '"producers": [{ "binding": "RECEIPTS", "queue": "clawdentity-receipts-dev" }]',
        '"producers": [{ "binding": "RECEIPTS", "queue": "clawdentity-receipts" }]',
      ),
    );
    const findings = checkDeploy([worker], { environments: ["dev", "production"] });
    expect(findings.map((finding) => finding.problem)).toContain(
      "queue clawdentity-receipts is shared between environments dev and production",
    );
  });

  it("a dead-letter queue the proxy would not know by its name", () => {
    const worker = mutilatedProxy((text) =>
      text.replace(
        '"dead_letter_queue": "clawdentity-events-dlq-dev"',
        '"dead_letter_queue": "clawdentity-events-poison-dev"',
      ),
    );
    const findings = checkDeploy([worker], { environments: ["dev"] });
    expect(findings.map((finding) => `${finding.environment}: ${finding.problem}`)).toEqual(
      expect.arrayContaining([
        "dev: dead-letter queue clawdentity-events-poison-dev is not named with a -dlq segment",
        "dev: queue clawdentity-events-dlq-dev is named as a dead-letter queue but no consumer dead-letters to it",
      ]),
    );
  });

  it("the real configs pass", () => {
    const workers = [
      toWorkerUnderCheck(REPO_ROOT, "registry", "clawdentity-registry"),
      toWorkerUnderCheck(REPO_ROOT, "proxy", "clawdentity-proxy"),
    ];
    expect(checkDeploy(workers, { environments: ["production"] })).toEqual([]);
  });
});
