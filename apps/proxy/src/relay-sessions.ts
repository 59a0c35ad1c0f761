import { toCountedStub } from "./billing";
import type { AgentRelaySession } from "./session";

/** The relay session of one agent, addressed by its DID on every instance. */
export function toRelaySession(env: Env, agentDid: string): DurableObjectStub<AgentRelaySession> {
  return toCountedStub(env.RELAY_SESSIONS.get(env.RELAY_SESSIONS.idFromName(agentDid)));
}
