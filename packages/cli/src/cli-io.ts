import { realpathSync } from "node:fs";

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
  /** Which streams are terminals: colour (stdout/stderr), progress (stderr) and questions (stdin) only there. */
  tty: { stdin: boolean; stdout: boolean; stderr: boolean };
  /** Asks a yes/no question on the terminal (stderr); true only for y or yes. */
  confirm(question: string): Promise<boolean>;
  /** The operating system: `connector service` writes a systemd unit on Linux, a launchd agent on macOS. */
  platform: NodeJS.Platform;
  /** How a service manager runs this CLI again: the Node binary and this CLI's script. */
  selfCommand(): string[];
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

async function askOnTerminal(question: string): Promise<boolean> {
  const { createInterface } = await import("node:readline/promises");
  const terminal = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await terminal.question(`${question} [y/N] `)).trim());
  } finally {
    terminal.close();
  }
}

export function resolveCliIo(overrides: Partial<CliIo> = {}): CliIo {
  return {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    env: process.env,
    fetch: globalThis.fetch,
    waitForStop: waitForProcessSignal,
    pollIntervalMs: 250,
    tty: {
      stdin: process.stdin.isTTY === true,
      stdout: process.stdout.isTTY === true,
      stderr: process.stderr.isTTY === true,
    },
    confirm: askOnTerminal,
    platform: process.platform,
    selfCommand: () => [process.execPath, realpathSync(process.argv[1] ?? "")],
    ...overrides,
  };
}
