import { existsSync } from "node:fs";
import {
  type AgentConfigFile,
  type AgentHomeRef,
  type AgentIdentity,
  agentHomeNameSchema,
  listAgentHomes,
  readAgentConfig,
  readAgentIdentity,
  resolveAgentHomePaths,
} from "@clawdentity/connector";
import { CliError } from "../cli-error";
import { readCliConfig } from "./cli-config";

/** An agent home on this machine: its identity (with the key seed) and its connector config. */
export interface LocalAgent {
  name: string;
  ref: AgentHomeRef & { home: string };
  dir: string;
  identity: AgentIdentity;
  config: AgentConfigFile;
}

export function parseAgentName(value: string): string {
  const parsed = agentHomeNameSchema.safeParse(value);
  if (!parsed.success) {
    throw new CliError({ code: "CLI_INVALID_ARGUMENT", message: parsed.error.issues[0]?.message ?? "bad agent name" });
  }
  return parsed.data;
}

export function hasLocalAgent(home: string, name: string): boolean {
  return existsSync(resolveAgentHomePaths({ home, agentName: name }).identityPath);
}

/**
 * Which agent a command acts as: `--agent`, else `CLAWDENTITY_AGENT`, else the one `agent use`
 * chose, else the only agent of the home.
 */
export function resolveAgentName(input: {
  home: string;
  flag: string | undefined;
  env: Record<string, string | undefined>;
}): string {
  const explicit = input.flag ?? (input.env.CLAWDENTITY_AGENT?.trim() || undefined);
  const chosen = explicit ?? readCliConfig(input.home)?.defaultAgent;
  if (chosen) {
    const name = parseAgentName(chosen);
    if (!hasLocalAgent(input.home, name)) {
      throw new CliError({ code: "CLI_AGENT_NOT_FOUND", message: `no agent ${name} in ${input.home}` });
    }
    return name;
  }
  const names = listAgentHomes(input.home);
  if (names.length === 1 && names[0]) return names[0];
  if (names.length === 0) {
    throw new CliError({
      code: "CLI_AGENT_NOT_FOUND",
      message: `no agent in ${input.home}; create one with clawdentity agent create <name>`,
    });
  }
  throw new CliError({
    code: "CLI_AGENT_REQUIRED",
    message: `several agents (${names.join(", ")}); pass --agent <name> or run clawdentity agent use <name>`,
  });
}

export function readLocalAgent(home: string, name: string): LocalAgent {
  const ref = { home, agentName: name };
  return {
    name,
    ref,
    dir: resolveAgentHomePaths(ref).dir,
    identity: readAgentIdentity(ref),
    config: readAgentConfig(ref),
  };
}
