import { createRunCommand } from "../../packages/cli/src/service/index.ts";
import { type CliRunner, toCliRunner } from "./cli-runner";

/**
 * The CLI as an installed executable (e.g. `node_modules/.bin/clawdentity` of a packed and
 * installed package): one child process per command, the same interface as the in-process runner.
 */
export function createBinRunner(options: {
  home: string;
  /** The executable, run directly (its shebang picks Node). */
  bin: string;
  env?: Record<string, string | undefined>;
  cwd?: string;
}): CliRunner {
  const runCommand = createRunCommand(
    { ...process.env, ...options.env, CLAWDENTITY_HOME: options.home },
    options.cwd === undefined ? {} : { cwd: options.cwd },
  );
  return toCliRunner(options.home, async (argv) => {
    const { code, stdout, stderr } = await runCommand(options.bin, ["--home", options.home, ...argv]);
    return { exitCode: code, stdout, stderr };
  });
}
