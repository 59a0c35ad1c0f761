import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { CLI_BIN, REPO_ROOT } from "./repo-root";
import { type WaitOptions, waitFor } from "./wait-for";

/** The `{"event":"started",...}` line `clawdentity --json connector start` prints once it listens. */
export interface ConnectorStartedLine {
  event: "started";
  agentName: string;
  agentDid: string;
  localApiUrl: string;
  proxyUrl: string;
  deliveryWebhookUrl: string;
  pid: number;
  startedAt: string;
}

/** One JSON log line of the connector (stderr). */
export type ConnectorLogLine = { time: string; level: string; message: string } & Record<string, unknown>;

export interface ConnectorExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** stdout lines after the start line (`{"event":"stopped",...}` on a clean stop). */
  stdoutLines: string[];
}

export interface ConnectorProcess {
  agent: string;
  started: ConnectorStartedLine;
  logs: ConnectorLogLine[];
  exited: Promise<ConnectorExit>;
  waitForLog(
    message: string,
    match?: (line: ConnectorLogLine) => boolean,
    options?: WaitOptions,
  ): Promise<ConnectorLogLine>;
  /** SIGTERM, as a service manager stops it; resolves once the process has exited. */
  stop(): Promise<ConnectorExit>;
  /** SIGKILL (`kill -9`): no clean-up at all; resolves once the process is gone. */
  kill(): Promise<ConnectorExit>;
  /** Sends a signal without waiting (for an exiting parent's last clean-up). */
  signal(signal: NodeJS.Signals): void;
}

function watchExit(child: ChildProcess, stdoutLines: string[]): Promise<ConnectorExit> {
  return new Promise((resolve) => {
    child.once("exit", (code, signal) => resolve({ code, signal, stdoutLines }));
  });
}

/**
 * `clawdentity --home <home> --agent <agent> --json connector start [--webhook <url>]` as a real
 * child process (the binary a user runs); resolves once it printed its start line.
 */
export async function startConnectorProcess(options: {
  home: string;
  agent: string;
  webhookUrl?: string;
  startTimeoutMs?: number;
  /** An installed `clawdentity` executable to run instead of the repository's `bin/clawdentity.mjs`. */
  bin?: string;
}): Promise<ConnectorProcess> {
  const args = ["--home", options.home, "--agent", options.agent, "--json", "connector", "start"];
  if (options.webhookUrl) args.push("--webhook", options.webhookUrl);
  const [command, ...commandArgs] = options.bin ? [options.bin] : [process.execPath, CLI_BIN];
  const child = spawn(command ?? process.execPath, [...commandArgs, ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, CLAWDENTITY_HOME: options.home },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const logs: ConnectorLogLine[] = [];
  const stderrText: string[] = [];
  const stdoutLines: string[] = [];
  const exited = watchExit(child, stdoutLines);

  createInterface({ input: child.stderr as NodeJS.ReadableStream }).on("line", (line) => {
    try {
      logs.push(JSON.parse(line) as ConnectorLogLine);
    } catch {
      stderrText.push(line);
    }
  });
  const startedLine = new Promise<ConnectorStartedLine>((resolve) => {
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on("line", (line) => {
      const parsed = JSON.parse(line) as { event?: string };
      if (parsed.event === "started") resolve(parsed as ConnectorStartedLine);
      else stdoutLines.push(line);
    });
  });

  const timeoutMs = options.startTimeoutMs ?? 30_000;
  let timer: NodeJS.Timeout | undefined;
  const started = await Promise.race([
    startedLine,
    exited.then((exit) => {
      throw new Error(
        `connector ${options.agent} exited (${exit.code ?? exit.signal}) before starting: ${[
          ...logs.map((line) => JSON.stringify(line)),
          ...stderrText,
        ].join("\n")}`,
      );
    }),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        child.kill("SIGKILL");
        reject(new Error(`connector ${options.agent} did not start within ${timeoutMs} ms`));
      }, timeoutMs);
    }),
  ]).finally(() => clearTimeout(timer));

  const signalAndWait = (signal: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    return exited;
  };
  return {
    agent: options.agent,
    started,
    logs,
    exited,
    waitForLog: (message, match = () => true, waitOptions) =>
      waitFor(
        `connector ${options.agent} log "${message}"`,
        () => logs.find((line) => line.message === message && match(line)),
        waitOptions,
      ),
    stop: () => signalAndWait("SIGTERM"),
    kill: () => signalAndWait("SIGKILL"),
    signal: (signal) => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
  };
}
