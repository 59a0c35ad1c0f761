import { agentRefSchema, parseDid } from "@clawdentity/protocol";
import { AppError } from "@clawdentity/sdk/http";
import type { RegistryContext } from "../context";
import { type AgentView, findAgentView, type OwnerRow } from "../db";

const notFound = () => new AppError("REGISTRY_AGENT_NOT_FOUND", 404, "agent not found");

/** `:id` as ULID or DID; malformed is a 400, a DID of another registry is simply not found here. */
export async function findAgentByRef(context: RegistryContext, ref: string): Promise<AgentView> {
  const parsed = agentRefSchema.parse(ref);
  const isDid = parsed.startsWith("did:");
  if (isDid && parseDid(parsed).authority !== context.config.didAuthority) throw notFound();
  const agent = await findAgentView(context.db, isDid ? { did: parsed } : { id: parsed });
  if (!agent) throw notFound();
  return agent;
}

/** Another owner's agent is reported exactly like a missing one. */
export async function findOwnedAgent(
  context: RegistryContext,
  input: { ref: string; owner: OwnerRow },
): Promise<AgentView> {
  const agent = await findAgentByRef(context, input.ref);
  if (agent.owner_id !== input.owner.id) throw notFound();
  return agent;
}
