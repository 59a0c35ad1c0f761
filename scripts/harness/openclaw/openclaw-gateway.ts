import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { findFreePort } from "../free-port";
import { createRecentLines } from "../recent-lines";
import { sleep, waitFor } from "../wait-for";
import type { OpenClawInstall } from "./install-openclaw";

export interface OpenClawGateway {
  name: string;
  url: string;
  /** The gateway's config; `clawdentity openclaw setup --config` writes into it before `start()`. */
  configPath: string;
  /** Its state directory (sessions, managed skills beside the config). */
  dir: string;
  /** Spawns `openclaw gateway run` and resolves once `GET /readyz` says ready. */
  start(): Promise<{ readyMs: number }>;
  /** SIGTERM, as a service manager stops it; SIGKILL of its process group after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
  /** The gateway's last output lines (shown when something fails). */
  recentOutput(lines?: number): string[];
  dispose(): Promise<void>;
}

const READY_TIMEOUT_MS = 120_000;

/**
 * A real OpenClaw gateway on loopback, isolated in a temporary folder (`OPENCLAW_HOME`,
 * `OPENCLAW_STATE_DIR`, `OPENCLAW_CONFIG_PATH`), with nothing that reaches out at start-up (no
 * update check, mDNS, model catalog refresh or channels) and the loopback model stub as its only
 * model. Hooks start enabled with their own token; `openclaw setup` adds the rest.
 */
export async function createOpenClawGateway(options: {
  install: OpenClawInstall;
  name: string;
  modelBaseUrl: string;
}): Promise<OpenClawGateway> {
  const dir = mkdtempSync(join(tmpdir(), `clawdentity-openclaw-${options.name}-`));
  const port = await findFreePort();
  const configPath = join(dir, "openclaw.json");
  mkdirSync(join(dir, "home"));
  const config = {
    gateway: { mode: "local", port },
    update: { checkOnStart: false },
    discovery: { mdns: { mode: "off" } },
    logging: { file: join(dir, "openclaw.log") },
    models: {
      catalogRefresh: { enabled: false },
      mode: "merge",
      providers: {
        stub: {
          baseUrl: options.modelBaseUrl,
          apiKey: "stub-local",
          api: "openai-completions",
          models: [
            {
              id: "stub-model",
              name: "Stub",
              reasoning: false,
              input: ["text"],
              cost: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 },
              contextWindow: 100_000,
              maxTokens: 1_000,
            },
          ],
        },
      },
    },
    agents: { defaults: { model: { primary: "stub/stub-model" } } },
    hooks: { enabled: true, token: randomBytes(24).toString("base64url"), path: "/hooks", allowedAgentIds: ["main"] },
  };
  writeFileSync(configPath, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });

  const output = createRecentLines(300);
  let child: ChildProcess | null = null;
  let exited: Promise<void> = Promise.resolve();
  const url = `http://127.0.0.1:${port}`;

  const isReady = async () => {
    const response = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(2_000) });
    return ((await response.json()) as { ready?: boolean }).ready === true;
  };

  const gateway: OpenClawGateway = {
    name: options.name,
    url,
    configPath,
    dir,
    async start() {
      if (child) throw new Error(`gateway ${options.name} already runs`);
      const started = Date.now();
      const process_ = spawn(
        options.install.nodeBin,
        [options.install.entry, "gateway", "run", "--port", String(port), "--bind", "loopback"],
        {
          cwd: dir,
          // Its own process group, so a stop reaches the helpers it spawns too.
          detached: true,
          stdio: ["ignore", "pipe", "pipe"],
          env: {
            ...process.env,
            PATH: `${join(options.install.nodeBin, "..")}:${process.env.PATH ?? ""}`,
            OPENCLAW_HOME: join(dir, "home"),
            OPENCLAW_STATE_DIR: dir,
            OPENCLAW_CONFIG_PATH: configPath,
            OPENCLAW_SKIP_CHANNELS: "1",
            NO_COLOR: "1",
          },
        },
      );
      child = process_;
      exited = new Promise((resolve) => process_.once("exit", () => resolve()));
      for (const stream of [process_.stdout, process_.stderr]) {
        if (stream) createInterface({ input: stream }).on("line", (line) => output.push(line));
      }
      let gone = false;
      void exited.then(() => {
        gone = true;
      });
      await waitFor(
        `gateway ${options.name} ready at ${url}/readyz`,
        async () => {
          if (gone) throw new Error(`gateway ${options.name} exited:\n${output.recent(30).join("\n")}`);
          return isReady();
        },
        { timeoutMs: READY_TIMEOUT_MS, intervalMs: 250 },
      ).catch(async (error: Error) => {
        await gateway.stop(1_000);
        throw new Error(`${error.message}\n${output.recent(30).join("\n")}`);
      });
      return { readyMs: Date.now() - started };
    },
    async stop(graceMs = 20_000) {
      const running = child;
      child = null;
      if (!running?.pid || running.exitCode !== null || running.signalCode !== null) return;
      const group = -running.pid;
      const signal = (name: NodeJS.Signals) => {
        try {
          process.kill(group, name);
        } catch {}
      };
      signal("SIGTERM");
      const stopped = await Promise.race([exited.then(() => true), sleep(graceMs).then(() => false)]);
      // The gateway is gone, or did not stop in time: nothing of its group may outlive the test.
      signal("SIGKILL");
      if (!stopped) await exited;
    },
    recentOutput: (lines) => output.recent(lines),
    async dispose() {
      await gateway.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return gateway;
}
