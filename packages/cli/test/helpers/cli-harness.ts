import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type CliIo, createCli } from "../../src";

export interface CliRun {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** stdout parsed as one JSON document. */
  json<T = Record<string, unknown>>(): T;
  /** stderr's `--json` error envelope. */
  error(): { code: string; message: string; requestId?: string; status?: number; details?: unknown };
}

export interface CliHarness {
  home: string;
  run(...argv: string[]): Promise<CliRun>;
  /** Runs `connector start --json` in this process until `stop()`; resolves once it printed its start line. */
  startConnector(agent: string, ...extra: string[]): Promise<RunningConnector>;
  dispose(): void;
}

export interface RunningConnector {
  started: { agentDid: string; localApiUrl: string; deliveryWebhookUrl: string; pid: number };
  stop(): Promise<CliRun>;
}

function toRun(exitCode: number, stdout: string, stderr: string): CliRun {
  return {
    exitCode,
    stdout,
    stderr,
    json: () => JSON.parse(stdout),
    error: () => JSON.parse(stderr.trim().split("\n").at(-1) ?? "").error,
  };
}

/** Runs `clawdentity --home <temp> ...` in-process with captured output; `fetch` and `env` injectable. */
export function createCliHarness(options: { env?: Record<string, string | undefined>; io?: Partial<CliIo> } = {}) {
  const home = mkdtempSync(join(tmpdir(), "clawdentity-cli-"));
  const env = { ...options.env };

  const runWith = async (argv: string[], io: Partial<CliIo> = {}) => {
    let stdout = "";
    let stderr = "";
    const cli = createCli({
      env,
      pollIntervalMs: 50,
      tty: { stdin: false, stdout: false, stderr: false },
      ...options.io,
      ...io,
      stdout: (text) => {
        stdout += text;
      },
      stderr: (text) => {
        stderr += text;
      },
    });
    const exitCode = await cli.run(["--home", home, ...argv]);
    return toRun(exitCode, stdout, stderr);
  };

  const harness: CliHarness = {
    home,
    run: (...argv) => runWith(argv),
    async startConnector(agent, ...extra) {
      let stop: (signal: string) => void = () => {};
      const stopped = new Promise<string>((resolve) => {
        stop = resolve;
      });
      let firstLine: ((line: string) => void) | undefined;
      const started = new Promise<string>((resolve) => {
        firstLine = resolve;
      });
      let stdout = "";
      const done = createCli({
        env,
        ...options.io,
        waitForStop: () => stopped,
        stdout: (text) => {
          stdout += text;
          if (stdout.includes("\n")) firstLine?.(stdout.split("\n")[0] ?? "");
        },
        stderr: () => {},
      }).run(["--home", home, "--agent", agent, "--json", "connector", "start", "--quiet", ...extra]);
      const line = await Promise.race([
        started,
        done.then((code) => {
          throw new Error(`connector start exited with ${code} before starting: ${stdout}`);
        }),
      ]);
      return {
        started: JSON.parse(line),
        async stop() {
          stop("SIGTERM");
          const exitCode = await done;
          return toRun(exitCode, stdout, "");
        },
      };
    },
    dispose: () => rmSync(home, { recursive: true, force: true }),
  };
  return harness;
}
