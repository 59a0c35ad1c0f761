import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { unstable_readConfig } from "wrangler";
import { isDeadLetterQueueName } from "../../packages/protocol/src/index.ts";

/** One Worker to check: its wrangler config, its generated binding types and its secret names. */
export interface WorkerUnderCheck {
  name: string;
  configPath: string;
  /** `worker-configuration.d.ts`: the bindings the code is typed against, and the environments. */
  typesPath: string;
  /** `.dev.vars.example`: secret names (set with `wrangler secret put`, so never in a dry-run). */
  secretsPath: string;
}

export interface DeployFinding {
  worker: string;
  /** `local` for the top level. */
  environment: string;
  problem: string;
}

const LOCAL = "local";
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching terminal escape codes is the point.
const ANSI_ESCAPES = /\u001b\[[0-9;]*m/g;

/** `interface DevEnv {` → `dev`: every environment wrangler generated types for, plus the top level. */
export function readEnvironments(typesText: string): string[] {
  const named = [...typesText.matchAll(/interface (\w+)Env \{/g)]
    .map((match) => match[1] ?? "")
    .filter((name) => name !== "")
    .map((name) => name.charAt(0).toLowerCase() + name.slice(1));
  return [LOCAL, ...named];
}

/** The members of the generated `interface Env`: every binding the code may read. */
export function readBindingNames(typesText: string): string[] {
  const body = /interface Env \{([^}]*)\}/.exec(typesText)?.[1] ?? "";
  return [...body.matchAll(/^\s*([A-Z][A-Z0-9_]*)\??:/gm)].map((match) => match[1] ?? "");
}

export function readSecretNames(secretsText: string): string[] {
  return [...secretsText.matchAll(/^([A-Z][A-Z0-9_]*)=/gm)].map((match) => match[1] ?? "");
}

interface DryRun {
  ok: boolean;
  output: string;
}

function dryRun(configPath: string, environment: string): DryRun {
  const outdir = mkdtempSync(join(tmpdir(), "clawdentity-deploy-check-"));
  try {
    const result = spawnSync(
      process.execPath,
      [
        createRequire(import.meta.url).resolve("wrangler/bin/wrangler.js"),
        "deploy",
        "--dry-run",
        "--config",
        configPath,
        `--env=${environment === LOCAL ? "" : environment}`,
        "--outdir",
        outdir,
      ],
      {
        cwd: dirname(configPath),
        encoding: "utf8",
        env: { ...process.env, WRANGLER_SEND_METRICS: "false", NO_COLOR: "1", FORCE_COLOR: "0" },
        timeout: 120_000,
      },
    );
    // Wrangler colours its warnings whatever NO_COLOR says: strip the escape codes.
    const output = `${result.stdout ?? ""}\n${result.stderr ?? ""}`.replace(ANSI_ESCAPES, "");
    return { ok: result.status === 0, output };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

/** Each `[WARNING]` block of wrangler's output, as one line. */
export function readWarnings(output: string): string[] {
  const blocks: string[] = [];
  const lines = output.split("\n");
  for (let index = 0; index < lines.length; index++) {
    if (!/\[WARNING\]/.test(lines[index] ?? "")) continue;
    // The block is the warning line and the indented (or blank) lines under it.
    const block = [lines[index] ?? ""];
    for (let next = index + 1; next < lines.length && /^(\s|$)/.test(lines[next] ?? ""); next++) {
      block.push(lines[next] ?? "");
    }
    blocks.push(
      block
        .join(" ")
        .replace(/\s+/g, " ")
        .replace(/^.*\[WARNING\]\s*/, "")
        .trim(),
    );
  }
  return blocks;
}

/** `env.RELAY_SESSIONS (AgentRelaySession)   Durable Object` → `RELAY_SESSIONS`. */
export function readDryRunBindings(output: string): Set<string> {
  return new Set([...output.matchAll(/^env\.([A-Z][A-Z0-9_]*)\b/gm)].map((match) => match[1] ?? ""));
}

interface QueueConfig {
  producers: Array<{ queue: string }>;
  consumers: Array<{ queue: string; dead_letter_queue?: string }>;
}

function readQueues(configPath: string, environment: string): QueueConfig {
  const config = unstable_readConfig({ config: configPath, ...(environment === LOCAL ? {} : { env: environment }) });
  const { producers = [], consumers = [] } = config.queues ?? {};
  return { producers, consumers };
}

function queueNamesOf({ producers, consumers }: QueueConfig): string[] {
  return [
    ...producers.map((producer) => producer.queue),
    ...consumers.flatMap((consumer) => [
      consumer.queue,
      ...(consumer.dead_letter_queue ? [consumer.dead_letter_queue] : []),
    ]),
  ];
}

/**
 * The proxy tells a dead-letter batch by its queue's name alone (`isDeadLetterQueueName`): every
 * `dead_letter_queue` must carry the `-dlq` segment (or its poison messages would be handled again),
 * and every consumed queue that carries it must be one (or its messages would be recorded unhandled).
 */
export function findDeadLetterNameProblems({ consumers }: QueueConfig): string[] {
  const deadLetterQueues = new Set(consumers.flatMap((consumer) => consumer.dead_letter_queue ?? []));
  const problems: string[] = [];
  for (const queue of deadLetterQueues) {
    if (!isDeadLetterQueueName(queue)) problems.push(`dead-letter queue ${queue} is not named with a -dlq segment`);
  }
  for (const { queue } of consumers) {
    if (isDeadLetterQueueName(queue) && !deadLetterQueues.has(queue)) {
      problems.push(`queue ${queue} is named as a dead-letter queue but no consumer dead-letters to it`);
    }
  }
  return problems;
}

/**
 * Dry-runs every environment of every Worker and reports what would make a deploy broken:
 * a wrangler warning, a failed bundle, a binding the code reads (its generated types) that an
 * environment lacks, a dead-letter queue the proxy would not know by its name, and a queue name
 * used by two environments.
 */
export function checkDeploy(workers: WorkerUnderCheck[], options: { environments?: string[] } = {}): DeployFinding[] {
  const findings: DeployFinding[] = [];
  const queueOwners = new Map<string, Set<string>>();
  for (const worker of workers) {
    const typesText = readFileSync(worker.typesPath, "utf8");
    const secrets = new Set(readSecretNames(readFileSync(worker.secretsPath, "utf8")));
    const required = readBindingNames(typesText).filter((name) => !secrets.has(name));
    const environments = options.environments ?? readEnvironments(typesText);
    for (const environment of environments) {
      const report = (problem: string) => findings.push({ worker: worker.name, environment, problem });
      const run = dryRun(worker.configPath, environment);
      if (!run.ok) report(`wrangler deploy --dry-run failed: ${run.output.trim().split("\n").slice(-5).join(" ")}`);
      for (const warning of readWarnings(run.output)) report(`wrangler warning: ${warning}`);
      const present = readDryRunBindings(run.output);
      if (run.ok) {
        for (const name of required) if (!present.has(name)) report(`lacks binding ${name}, which the code reads`);
      }
      const queues = readQueues(worker.configPath, environment);
      for (const problem of findDeadLetterNameProblems(queues)) report(problem);
      for (const queue of queueNamesOf(queues)) {
        const owners = queueOwners.get(queue) ?? new Set<string>();
        owners.add(environment);
        queueOwners.set(queue, owners);
      }
    }
  }
  for (const [queue, owners] of queueOwners) {
    if (owners.size > 1) {
      findings.push({
        worker: workers.map((worker) => worker.name).join(", "),
        environment: [...owners].join(", "),
        problem: `queue ${queue} is shared between environments ${[...owners].join(" and ")}`,
      });
    }
  }
  return findings;
}

export function toWorkerUnderCheck(
  repoRoot: string,
  app: string,
  name: string,
  configFile = "wrangler.jsonc",
): WorkerUnderCheck {
  const appDir = join(repoRoot, "apps", app);
  return {
    name,
    configPath: join(appDir, configFile),
    typesPath: join(appDir, "worker-configuration.d.ts"),
    secretsPath: join(appDir, ".dev.vars.example"),
  };
}
