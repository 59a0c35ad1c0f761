import type { Command } from "commander";
import type { CliIo } from "../cli-io";
import { registerAdminCommand } from "./admin";
import { registerAgentCommand } from "./agent";
import type { RunState } from "./command-context";
import { registerConnectorCommand } from "./connector";
import { registerDeadLettersCommand } from "./dead-letters";
import { registerInitCommand } from "./init";
import { registerInviteCommand } from "./invite";
import { registerPairCommand } from "./pair";
import { registerSendCommand } from "./send";
import { registerStatusCommand } from "./status";
import { registerTraceCommand } from "./trace";

export { type CommandContext, createCommandContext, type GlobalOptions, type RunState } from "./command-context";

/** One module per noun; the order is the order of `clawdentity --help`. */
export function registerCommands(program: Command, io: CliIo, state: RunState): void {
  registerInitCommand(program, io, state);
  registerAdminCommand(program, io, state);
  registerInviteCommand(program, io, state);
  registerAgentCommand(program, io, state);
  registerPairCommand(program, io, state);
  registerConnectorCommand(program, io, state);
  registerStatusCommand(program, io, state);
  registerSendCommand(program, io, state);
  registerTraceCommand(program, io, state);
  registerDeadLettersCommand(program, io, state);
}
