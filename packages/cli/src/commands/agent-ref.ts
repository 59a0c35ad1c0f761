import { isDid, isUlid } from "@clawdentity/protocol";
import { toLocalNamesByDid } from "../agents";
import { CliError } from "../cli-error";
import { hasLocalAgent, type LocalAgent, parseAgentName, readLocalAgent } from "../config";
import type { CommandContext } from "./command-context";

/** An agent by local name, DID or ULID; the command's agent when none is given. */
export function resolveAgentRef(
  context: CommandContext,
  ref: string | undefined,
): { id: string; local: LocalAgent | null } {
  if (ref === undefined) {
    const local = context.agent();
    return { id: local.identity.agentDid, local };
  }
  if (isDid(ref, "agent") || isUlid(ref)) {
    const name = toLocalNamesByDid(context.home).get(ref);
    return { id: ref, local: name ? readLocalAgent(context.home, name) : null };
  }
  const name = parseAgentName(ref);
  if (!hasLocalAgent(context.home, name)) {
    throw new CliError({ code: "CLI_AGENT_NOT_FOUND", message: `no agent ${name} in ${context.home}` });
  }
  const local = readLocalAgent(context.home, name);
  return { id: local.identity.agentDid, local };
}

/** A local agent by reference: commands that write its home need one. */
export function requireLocalAgent(context: CommandContext, ref: string | undefined, why: string): LocalAgent {
  const { id, local } = resolveAgentRef(context, ref);
  if (!local) throw new CliError({ code: "CLI_AGENT_NOT_FOUND", message: `${id} has no home here ${why}` });
  return local;
}

export function toAgentLines(agent: { did: string; name: string; status: string }, extra: string[] = []): string[] {
  return [`${agent.name}  ${agent.did}  ${agent.status}`, ...extra];
}
