import type { Command } from "commander";
import type { CliIo } from "../cli-io";
import type { RunState } from "./command-context";
import { addHelpExamples } from "./help-examples";

export type RegisterCommand = (program: Command, io: CliIo, state: RunState) => void;

interface CommandModule {
  name: string;
  /** Its line in `clawdentity --help`. */
  summary: string;
  load(): Promise<RegisterCommand>;
}

/**
 * One module per noun; the order is the order of `clawdentity --help`. A module (and what it
 * imports: zod, the connector, SQLite) loads only when its command runs, so `--help` and
 * `--version` start in a fraction of the time.
 */
export const COMMAND_MODULES: readonly CommandModule[] = [
  {
    name: "init",
    summary: "create or update <home>/config.json with the registry and proxy URLs",
    load: async () => (await import("./init")).registerInitCommand,
  },
  {
    name: "admin",
    summary: "registry administration",
    load: async () => (await import("./admin")).registerAdminCommand,
  },
  {
    name: "invite",
    summary: "invite owners to the registry",
    load: async () => (await import("./invite")).registerInviteCommand,
  },
  {
    name: "agent",
    summary: "agent identities: register, list, inspect, revoke, reissue",
    load: async () => (await import("./agent")).registerAgentCommand,
  },
  {
    name: "pair",
    summary: "pair agents so they may message each other",
    load: async () => (await import("./pair")).registerPairCommand,
  },
  {
    name: "connector",
    summary: "the agent's connector daemon: run it, or install it as a service",
    load: async () => (await import("./connector")).registerConnectorCommand,
  },
  {
    name: "openclaw",
    summary: "deliver an agent's messages into an OpenClaw gateway and let its agent send",
    load: async () => (await import("./openclaw")).registerOpenClawCommand,
  },
  {
    name: "status",
    summary: "health of registry, proxy and the agent's connector (exit 3 when something is down)",
    load: async () => (await import("./status")).registerStatusCommand,
  },
  {
    name: "send",
    summary: "send a message through the agent's connector; prints the messageId",
    load: async () => (await import("./send")).registerSendCommand,
  },
  {
    name: "trace",
    summary: "timeline of a sent message across the connector and the proxy",
    load: async () => (await import("./trace")).registerTraceCommand,
  },
  {
    name: "dead-letters",
    summary: "inspect, retry and purge dead letters",
    load: async () => (await import("./dead-letters")).registerDeadLettersCommand,
  },
  {
    name: "webhook",
    summary: "a runtime webhook for trying it by hand: prints what the connector delivers",
    load: async () => (await import("./webhook")).registerWebhookCommand,
  },
];

/** Root options that take a value: their value is not the command's name. */
const VALUE_OPTIONS = new Set(["--home", "--agent"]);

/** The top-level command `argv` runs (`help <command>` asks for that command), or undefined. */
export function findCommandName(argv: readonly string[]): string | undefined {
  const operands: string[] = [];
  for (let index = 0; index < argv.length && operands.length < 2; index += 1) {
    const arg = argv[index] ?? "";
    if (arg === "--") {
      operands.push(...argv.slice(index + 1, index + 3));
      break;
    }
    if (VALUE_OPTIONS.has(arg)) index += 1;
    else if (!arg.startsWith("-")) operands.push(arg);
  }
  return operands[0] === "help" ? operands[1] : operands[0];
}

/**
 * Registers the command `argv` runs in full and every other one as a name and a summary (enough
 * for the command list and "did you mean"); `all` registers every command in full.
 */
export async function registerCommands(
  program: Command,
  io: CliIo,
  state: RunState,
  options: { argv: readonly string[] } | { all: true },
): Promise<void> {
  const wanted = "all" in options ? undefined : findCommandName(options.argv);
  for (const module of COMMAND_MODULES) {
    if ("all" in options || module.name === wanted) {
      (await module.load())(program, io, state);
      const loaded = program.commands.at(-1);
      loaded?.summary(module.summary);
      if (loaded) addHelpExamples(loaded);
    } else {
      program.command(module.name).summary(module.summary);
    }
  }
}
