import { CliError } from "../cli-error";
import type { CommandContext } from "./command-context";

/**
 * A destructive command goes ahead with `--yes`, or when the person at the terminal says y to
 * `question`; without a terminal to ask on (a script, `--json`) it refuses rather than guessing.
 */
export async function confirmDestructive(context: CommandContext, yes: boolean | undefined, question: string) {
  if (yes) return;
  const { io } = context;
  if (context.json || !io.tty.stdin || !io.tty.stderr) {
    throw new CliError({
      code: "CLI_CONFIRMATION_REQUIRED",
      message: `${question.replace(/\?$/, "")}: pass --yes to confirm (no terminal to ask on)`,
    });
  }
  if (!(await io.confirm(question))) {
    throw new CliError({ code: "CLI_CANCELLED", message: "cancelled; nothing was changed" });
  }
}
