import { createCli } from "../../packages/cli/src/index.ts";

export interface CliErrorView {
  code: string;
  message: string;
  requestId?: string;
  status?: number;
  details?: unknown;
}

export interface CliResult {
  argv: string[];
  exitCode: number;
  stdout: string;
  stderr: string;
  /** stdout as one JSON document (commands run with `--json`). */
  json<T = Record<string, unknown>>(): T;
  /** The `--json` error envelope from stderr, or null when there is none. */
  error(): CliErrorView | null;
}

export interface CliRunner {
  home: string;
  /** `clawdentity --home <home> ...argv`, in this process, output captured. */
  run(...argv: string[]): Promise<CliResult>;
  /** Runs with `--json`, expects exit 0 and returns the parsed answer; otherwise throws with the CLI's error. */
  ok<T = Record<string, unknown>>(...argv: string[]): Promise<T>;
}

export class CliCommandError extends Error {
  override readonly name = "CliCommandError";
  constructor(readonly result: CliResult) {
    const failure = result.error();
    super(
      `clawdentity ${result.argv.join(" ")} exited ${result.exitCode}: ${
        failure ? `${failure.code}: ${failure.message}` : result.stderr.trim()
      }`,
    );
  }
}

/** The `--json` error envelope: the last line of stderr. */
export function parseErrorEnvelope(stderr: string): CliErrorView | null {
  const last = stderr.trim().split("\n").at(-1);
  if (!last?.startsWith("{")) return null;
  try {
    return (JSON.parse(last) as { error?: CliErrorView }).error ?? null;
  } catch {
    return null;
  }
}

/**
 * The CLI driven exactly as a person types it, but in-process (no tsx start-up per command).
 * Long-running `connector start` belongs in a child process: see `startConnectorProcess`.
 */
export function createCliRunner(options: {
  home: string;
  env?: Record<string, string | undefined>;
  /** Called before each command with its arguments (the demo prints them). */
  onCommand?: (argv: readonly string[]) => void;
}): CliRunner {
  const env = { ...options.env, CLAWDENTITY_HOME: options.home };
  return toCliRunner(options.home, async (argv) => {
    options.onCommand?.(argv);
    let stdout = "";
    let stderr = "";
    const cli = createCli({
      env,
      pollIntervalMs: 100,
      // Output is captured, never a terminal: no colour, no progress line, JSON connector logs.
      tty: { stdin: false, stdout: false, stderr: false },
      stdout: (text) => {
        stdout += text;
      },
      stderr: (text) => {
        stderr += text;
      },
    });
    const exitCode = await cli.run(["--home", options.home, ...argv]);
    return { exitCode, stdout, stderr };
  });
}

/** A CliRunner over any way of running one command (`--home <home>` is the runner's to add). */
export function toCliRunner(
  home: string,
  execute: (argv: string[]) => Promise<{ exitCode: number; stdout: string; stderr: string }>,
): CliRunner {
  const run = async (...argv: string[]): Promise<CliResult> => {
    const { exitCode, stdout, stderr } = await execute(argv);
    return {
      argv,
      exitCode,
      stdout,
      stderr,
      json: <T>() => JSON.parse(stdout) as T,
      error: () => parseErrorEnvelope(stderr),
    };
  };
  return {
    home,
    run,
    async ok<T>(...argv: string[]) {
      const result = await run("--json", ...argv);
      if (result.exitCode !== 0) throw new CliCommandError(result);
      return result.json<T>();
    },
  };
}
