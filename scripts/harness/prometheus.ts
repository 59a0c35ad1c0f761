import { type ChildProcess, execFileSync, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { findFreePort } from "./free-port";
import { sleep, waitFor } from "./wait-for";

/** One scrape job: a target `host:port`, its metrics path and the bearer token it wants. */
export interface ScrapeJob {
  job: string;
  url: string;
  bearerToken: string;
}

export interface PrometheusServer {
  url: string;
  /** An instant query through `/api/v1/query`; throws on a query Prometheus refuses. */
  query(expr: string): Promise<Array<{ metric: Record<string, string>; value: [number, string] }>>;
  /** The single value of `expr`, or null when it has no sample. */
  scalar(expr: string): Promise<number | null>;
  stop(): Promise<void>;
}

const onPath = (command: string) => spawnSync("sh", ["-c", `command -v ${command}`]).status === 0;

/**
 * Installs the Debian package `prometheus` (which brings `promtool`) when either is missing, as a
 * CI machine like this one has neither; the package's own service is never started. Returns how
 * long the install took, 0 when nothing was installed.
 */
export function ensurePrometheusInstalled(log: (line: string) => void = console.log): number {
  if (onPath("prometheus") && onPath("promtool")) return 0;
  const started = performance.now();
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  const install = () =>
    spawnSync("apt-get", ["install", "-y", "--no-install-recommends", "prometheus"], { env, encoding: "utf8" });
  let result = install();
  if (result.status !== 0) {
    // A fresh machine may have no package lists yet.
    execFileSync("apt-get", ["update"], { env, stdio: "ignore" });
    result = install();
  }
  if (result.status !== 0) throw new Error(`apt-get install prometheus failed: ${result.stderr}`);
  const seconds = (performance.now() - started) / 1000;
  log(`installed prometheus and promtool with apt-get in ${seconds.toFixed(1)} s`);
  return seconds;
}

/** `promtool <args>` with `input` on stdin; its exit status and output. */
export function runPromtool(args: string[], input?: string): { status: number | null; output: string } {
  const result = spawnSync("promtool", args, { input, encoding: "utf8" });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

function toConfig(jobs: readonly ScrapeJob[], scrapeInterval: string, ruleFiles: readonly string[]): string {
  const config = {
    global: { scrape_interval: scrapeInterval, scrape_timeout: scrapeInterval, evaluation_interval: scrapeInterval },
    rule_files: ruleFiles,
    scrape_configs: jobs.map(({ job, url, bearerToken }) => {
      const target = new URL(url);
      return {
        job_name: job,
        scheme: target.protocol.replace(":", ""),
        metrics_path: target.pathname,
        authorization: { type: "Bearer", credentials: bearerToken },
        static_configs: [{ targets: [target.host] }],
      };
    }),
  };
  // JSON is valid YAML.
  return JSON.stringify(config, null, 2);
}

/**
 * Our own Prometheus process on a free port with a temporary config and TSDB, scraping `jobs` at
 * `scrapeInterval` and loading `ruleFiles`; ready when its readiness endpoint answers.
 */
export async function startPrometheus(options: {
  jobs: readonly ScrapeJob[];
  scrapeInterval?: string;
  ruleFiles?: readonly string[];
}): Promise<PrometheusServer> {
  const dir = mkdtempSync(join(tmpdir(), "clawdentity-prometheus-"));
  const configPath = join(dir, "prometheus.json.yml");
  writeFileSync(configPath, toConfig(options.jobs, options.scrapeInterval ?? "1s", options.ruleFiles ?? []));
  const port = await findFreePort();
  const url = `http://127.0.0.1:${port}`;
  const output: string[] = [];
  const child: ChildProcess = spawn(
    "prometheus",
    [
      `--config.file=${configPath}`,
      `--storage.tsdb.path=${join(dir, "data")}`,
      `--web.listen-address=127.0.0.1:${port}`,
      "--log.level=warn",
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  for (const stream of [child.stdout, child.stderr]) stream?.on("data", (chunk) => output.push(String(chunk)));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));

  const stop = async () => {
    if (child.exitCode === null) child.kill("SIGTERM");
    await Promise.race([exited, sleep(5_000)]);
    if (child.exitCode === null) child.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitFor(
      "prometheus ready",
      async () => {
        if (child.exitCode !== null) throw new Error(`prometheus exited: ${output.join("")}`);
        return (await fetch(`${url}/-/ready`).catch(() => null))?.ok === true;
      },
      { timeoutMs: 30_000, intervalMs: 100 },
    );
  } catch (error) {
    await stop();
    throw error;
  }

  const query = async (expr: string) => {
    const response = await fetch(`${url}/api/v1/query?${new URLSearchParams({ query: expr })}`);
    const body = (await response.json()) as {
      status: string;
      error?: string;
      data?: { resultType: string; result: Array<{ metric: Record<string, string>; value: [number, string] }> };
    };
    if (body.status !== "success") throw new Error(`query refused: ${expr}: ${body.error}`);
    return body.data?.resultType === "vector" ? (body.data.result ?? []) : [];
  };
  return {
    url,
    query,
    async scalar(expr) {
      const [first] = await query(expr);
      return first ? Number(first.value[1]) : null;
    },
    stop,
  };
}
