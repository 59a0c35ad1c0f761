/** Everything a command touches outside its arguments, injectable so tests drive the CLI in-process. */
export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  env: Record<string, string | undefined>;
  fetch: typeof fetch;
  /** Resolves with the signal name when the process is asked to stop (long-running `connector start`). */
  waitForStop(): Promise<string>;
  /** Milliseconds to wait between polls (`--wait`); tests shorten it. */
  pollIntervalMs: number;
}

function waitForProcessSignal(): Promise<string> {
  return new Promise((resolve) => {
    const stop = (signal: string) => {
      process.off("SIGINT", onInt);
      process.off("SIGTERM", onTerm);
      resolve(signal);
    };
    const onInt = () => stop("SIGINT");
    const onTerm = () => stop("SIGTERM");
    process.on("SIGINT", onInt);
    process.on("SIGTERM", onTerm);
  });
}

export function resolveCliIo(overrides: Partial<CliIo> = {}): CliIo {
  return {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    env: process.env,
    fetch: globalThis.fetch,
    waitForStop: waitForProcessSignal,
    pollIntervalMs: 250,
    ...overrides,
  };
}
