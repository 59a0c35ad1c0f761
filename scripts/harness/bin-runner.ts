import { spawn } from "node:child_process";
import { CliCommandError, type CliResult, type CliRunner, parseErrorEnvelope } from "./cli-runner";

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
  const env = { ...process.env, ...options.env, CLAWDENTITY_HOME: options.home };
  const run = (...argv: string[]) =>
    new Promise<CliResult>((resolve, reject) => {
      const child = spawn(options.bin, ["--home", options.home, ...argv], {
        cwd: options.cwd,
        env,
        stdio: ["ignore", "pipe", "pipe"],
      });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (chunk) => {
        stdout += chunk;
      });
      child.stderr.on("data", (chunk) => {
        stderr += chunk;
      });
      child.once("error", reject);
      child.once("close", (code, signal) => {
        resolve({
          argv,
          exitCode: code ?? (signal ? 128 : 1),
          stdout,
          stderr,
          json: <T>() => JSON.parse(stdout) as T,
          error: () => parseErrorEnvelope(stderr),
        });
      });
    });
  return {
    home: options.home,
    run,
    async ok<T>(...argv: string[]) {
      const result = await run("--json", ...argv);
      if (result.exitCode !== 0) throw new CliCommandError(result);
      return result.json<T>();
    },
  };
}
