import { Command, CommanderError, Option } from "commander";
import packageJson from "../package.json" with { type: "json" };
import { CliError } from "./cli-error";
import { type CliIo, resolveCliIo } from "./cli-io";
import { registerCommands } from "./commands";
import type { RunState } from "./commands/command-context";
import { addHelpExamples } from "./commands/help-examples";
import { writeError } from "./output";

export interface Cli {
  program: Command;
  /** Parses `argv` (without `node` and the script), runs the command, and resolves with the exit code. */
  run(argv: readonly string[]): Promise<number>;
}

/** Builds the `clawdentity` program; every side effect goes through `io`, so tests run it in-process. */
export function createCli(overrides: Partial<CliIo> = {}): Cli {
  const io = resolveCliIo(overrides);
  const state: RunState = { exitCode: 0 };
  let jsonRequested = false;
  const program = new Command("clawdentity")
    .description("Agent identities, pairing and a signed, durable relay for agent-to-agent messages")
    .version(packageJson.version, "-V, --version")
    .addOption(new Option("--home <dir>", "Clawdentity home (default: $CLAWDENTITY_HOME or ~/.clawdentity)"))
    .addOption(new Option("--agent <name>", "the local agent to act as (default: `agent use`, else the only agent)"))
    .addOption(
      new Option("--json", "print JSON mirroring the API answers (errors as {error:{code,message,...}} on stderr)"),
    )
    .configureHelp({ showGlobalOptions: true })
    .showHelpAfterError("(run with --help for usage)")
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout(text),
      // Under --json only the error envelope goes to stderr, not the usage text commander adds.
      writeErr: (text) => {
        if (!jsonRequested) io.stderr(text);
      },
      outputError: (text, write) => {
        if (!jsonRequested) return write(text);
        const message = text.trim().replace(/^error: /, "");
        io.stderr(`${JSON.stringify({ error: { code: "CLI_INVALID_ARGUMENT", message } })}\n`);
      },
    });
  // The program's own; each command gets its examples when its module loads.
  addHelpExamples(program);

  return {
    program,
    async run(argv) {
      jsonRequested = argv.includes("--json");
      try {
        await registerCommands(program, io, state, { argv });
        await program.parseAsync([...argv], { from: "user" });
        return state.exitCode;
      } catch (error) {
        if (error instanceof CommanderError) {
          // Commander has already printed the usage problem (or the help / version it was asked for).
          return error.exitCode === 0 ? 0 : 1;
        }
        const failure = error instanceof CliError ? error : (await import("./to-cli-error")).toCliError(error);
        writeError(io, jsonRequested, failure);
        return failure.exitCode;
      }
    },
  };
}
