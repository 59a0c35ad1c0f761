import { type AgentAuthRevokedEvent, agentAuthRevokedEventSchema, EVENT_TYPES } from "@clawdentity/protocol";
import type { RevokeInput } from "../session";
import type { MessageConsumer } from "./consume-each";
import { parseEvent } from "./parse-event";

/**
 * A reissue revokes only the old AIT; any other reason revokes the whole agent (failing closed
 * for reasons this proxy does not know yet).
 */
export function toRevokeInput(event: AgentAuthRevokedEvent): RevokeInput {
  const { jti, reason } = event.data;
  return reason === "reissued"
    ? { scope: "jti", jti, reason, eventId: event.id }
    : { scope: "agent", reason, eventId: event.id };
}

/** `clawdentity-events` → `agent.auth.revoked`: made effective in the agent's own relay session. */
export const revocationEventsConsumer: MessageConsumer<AgentAuthRevokedEvent> = {
  parse: (body) => parseEvent(body, EVENT_TYPES.agentAuthRevoked, agentAuthRevokedEventSchema),
  async handle(event, ctx) {
    await ctx.session(event.data.agentDid).revoke(toRevokeInput(event));
    return "done";
  },
};
