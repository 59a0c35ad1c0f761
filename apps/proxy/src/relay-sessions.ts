import { RELAY_BATCH_LIMITS } from "@clawdentity/protocol";
import { toCountedStub } from "./billing";
import { createCoalescedCall } from "./coalesced-call";
import type { AdmissionInput, AdmissionResult, AgentRelaySession, EnqueueInput, EnqueueResult } from "./session";

/** The relay session of one agent, addressed by its DID on every instance. */
export function toRelaySession(env: Env, agentDid: string): DurableObjectStub<AgentRelaySession> {
  return toCountedStub(env.RELAY_SESSIONS.get(env.RELAY_SESSIONS.idFromName(agentDid)));
}

/** Admissions (PROTOCOL.md §2.2 step 7) of concurrent requests by one agent: one call, one transaction. */
export const sessionAdmissions = createCoalescedCall<AdmissionInput, AdmissionResult>({
  call: (env, agentDid, inputs) => toRelaySession(env, agentDid).admitBatch(inputs),
  maxItems: RELAY_BATCH_LIMITS.maxMessages,
});

/** Messages of concurrent requests for one recipient: stored in one call, one transaction, as a batch is. */
export const sessionStores = createCoalescedCall<EnqueueInput, EnqueueResult>({
  call: (env, recipientDid, inputs) => toRelaySession(env, recipientDid).enqueueBatch(inputs),
  maxItems: RELAY_BATCH_LIMITS.maxMessages,
  maxBytes: RELAY_BATCH_LIMITS.maxMessageBatchBytes,
  weigh: (input) => input.payload.length,
});
