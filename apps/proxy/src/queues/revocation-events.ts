import {
  type AgentAuthRevokedEvent,
  agentAuthRevokedEventSchema,
  EVENT_TYPES,
  isTokenRevocationReason,
} from "@clawdentity/protocol";
import type { RevokeInput } from "../session";
import type { MessageConsumer } from "./consume-each";
import { parseEvent } from "./parse-event";

/**
 * A reissue or a renewal revokes only the old AIT (a newer one replaced it); any other reason
 * revokes the whole agent (failing closed for reasons this proxy does not know yet). `eventId`
 * makes applying it again a no-op.
 */
export function toRevokeInput(revocation: { jti: string; reason: string; eventId: string }): RevokeInput {
  const { jti, reason, eventId } = revocation;
  return isTokenRevocationReason(reason) ? { scope: "jti", jti, reason, eventId } : { scope: "agent", reason, eventId };
}

/** `clawdentity-events` → `agent.auth.revoked`: made effective in the agent's own relay session. */
export const revocationEventsConsumer: MessageConsumer<AgentAuthRevokedEvent> = {
  parse: (body) => parseEvent(body, EVENT_TYPES.agentAuthRevoked, agentAuthRevokedEventSchema),
  async handle(event, ctx) {
    const { agentDid, jti, reason } = event.data;
    await ctx.session(agentDid).revoke(toRevokeInput({ jti, reason, eventId: event.id }));
    return "done";
  },
};
