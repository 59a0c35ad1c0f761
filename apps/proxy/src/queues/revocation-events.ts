import { type AgentAuthRevokedEvent, isTokenRevocationReason } from "@clawdentity/protocol";
import type { RevokeInput } from "../session";
import type { MessageConsumer } from "./message-consumer";

/**
 * A reissue or a renewal revokes only the old AIT (a newer one replaced it); any other reason
 * revokes the whole agent (failing closed for reasons this proxy does not know yet). `eventId`
 * makes applying it again a no-op.
 */
export function toRevokeInput(revocation: { jti: string; reason: string; eventId: string }): RevokeInput {
  const { jti, reason, eventId } = revocation;
  return isTokenRevocationReason(reason) ? { scope: "jti", jti, reason, eventId } : { scope: "agent", reason, eventId };
}

/** `agent.auth.revoked` (on `clawdentity-events`): made effective in the agent's own relay session. */
export const revocationEventsConsumer: MessageConsumer<AgentAuthRevokedEvent> = {
  async handle(event, ctx) {
    const { agentDid, jti, reason } = event.data;
    await ctx.session(agentDid).revoke(toRevokeInput({ jti, reason, eventId: event.id }));
    return "done";
  },
};
