import type { AgentRenewalPolicyRequest, AgentResponse } from "@clawdentity/protocol";
import { AppError } from "@clawdentity/sdk/http";
import type { RegistryContext } from "../context";
import { type OwnerRow, toAgent, toAgentPolicyUpdate, toChangedRows } from "../db";
import { findOwnedAgent } from "./agent-ref";

/** The owner sets whether an active agent may renew itself and its maximum lifetime; unset fields stay. */
export async function setRenewalPolicy(
  context: RegistryContext,
  input: { owner: OwnerRow; ref: string; request: AgentRenewalPolicyRequest },
): Promise<AgentResponse> {
  const { db, clock } = context;
  const agent = await findOwnedAgent(context, input);
  if (agent.status === "revoked") throw new AppError("REGISTRY_AGENT_REVOKED", 409, "agent is revoked");
  const nowMs = clock.nowMs();
  const selfRenewal = input.request.selfRenewal ?? agent.self_renewal === 1;
  const maxLifetimeDays = input.request.maxLifetimeDays ?? agent.max_lifetime_days;
  const result = await toAgentPolicyUpdate(db, { id: agent.id, selfRenewal, maxLifetimeDays, nowMs }).run();
  if (toChangedRows(result) === 0) throw new AppError("REGISTRY_AGENT_REVOKED", 409, "agent is revoked");
  const updated = {
    ...agent,
    self_renewal: selfRenewal ? 1 : 0,
    max_lifetime_days: maxLifetimeDays,
    updated_at: nowMs,
  };
  return { agent: toAgent(updated) };
}
