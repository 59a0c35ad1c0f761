import { AgentHomeError, ConnectorConfigError } from "@clawdentity/connector";
import { CommanderError } from "commander";
import { ZodError } from "zod";
import { CliError, EXIT_FATAL } from "./cli-error";

function toZodMessage(error: ZodError): string {
  return error.issues.map((issue) => `${issue.path.join(".") || "value"}: ${issue.message}`).join("; ");
}

/**
 * Maps anything thrown by a command to a CliError; unknown errors are fatal (exit 2). Kept apart
 * from `CliError` because it knows the connector's and zod's errors, which `--help` never loads.
 */
export function toCliError(error: unknown): CliError {
  if (error instanceof CliError) return error;
  if (error instanceof CommanderError) {
    return new CliError({ code: "CLI_INVALID_ARGUMENT", message: error.message.replace(/^error: /, "") });
  }
  if (error instanceof ZodError) return new CliError({ code: "CLI_INVALID_ARGUMENT", message: toZodMessage(error) });
  if (error instanceof AgentHomeError || error instanceof ConnectorConfigError) {
    return new CliError({ code: "CLI_AGENT_HOME_INVALID", message: error.message });
  }
  const message = error instanceof Error ? error.message : String(error);
  return new CliError({ code: "CLI_INTERNAL", message, exitCode: EXIT_FATAL });
}
