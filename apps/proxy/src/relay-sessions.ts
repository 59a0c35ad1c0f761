import { RELAY_BATCH_LIMITS } from "@clawdentity/protocol";
import { toCountedStub } from "./billing";
import { createCoalescedCall } from "./coalesced-call";
import type {
  AdmissionInput,
  AdmissionResult,
  AgentRelaySession,
  EnqueueInput,
  EnqueueResult,
  SentMessageInput,
} from "./session";

/** The relay session of one agent, addressed by its DID on every instance. */
export function toRelaySession(env: Env, agentDid: string): DurableObjectStub<AgentRelaySession> {
  return toCountedStub(env.RELAY_SESSIONS.get(env.RELAY_SESSIONS.idFromName(agentDid)));
}

/** Timeline records one call to a sender's session carries beside its admissions. */
const SENT_RECORDS_PER_CALL = 256;

/** What a request asks of its sender's own session: its admission, or the record of what it relayed. */
export type SenderSessionItem = { admission: AdmissionInput } | { sent: SentMessageInput };

/**
 * The calls of concurrent requests by one agent to its own session, shared: their admissions
 * (PROTOCOL.md §2.2 step 7) and the timeline records of messages earlier requests relayed go in
 * one call, so under load the records ride along with the admissions instead of a call of their
 * own. An admission's result is its own; a record's is null.
 */
export const senderSessionCalls = createCoalescedCall<SenderSessionItem, AdmissionResult | null>({
  call: async (env, agentDid, items) => {
    const admissions = items.flatMap((item) => ("admission" in item ? [item.admission] : []));
    const sent = items.flatMap((item) => ("sent" in item ? [item.sent] : []));
    const results = await toRelaySession(env, agentDid).senderBatch(admissions, sent);
    if (results.length !== admissions.length)
      throw new Error(`${results.length} results for ${admissions.length} admissions`);
    let next = 0;
    return items.map((item) => ("admission" in item ? (results[next++] as AdmissionResult) : null));
  },
  // A call carries at most a batch request's admissions, and beside them the records of up to
  // a few batch requests: records weigh nothing against the admissions' limit.
  maxItems: RELAY_BATCH_LIMITS.maxMessages + SENT_RECORDS_PER_CALL,
  maxBytes: RELAY_BATCH_LIMITS.maxMessages,
  weigh: (item) => ("admission" in item ? 1 : 0),
});

/** Messages of concurrent requests for one recipient: stored in one call, one transaction, as a batch is. */
export const sessionStores = createCoalescedCall<EnqueueInput, EnqueueResult>({
  call: (env, recipientDid, inputs) => toRelaySession(env, recipientDid).enqueueBatch(inputs),
  maxItems: RELAY_BATCH_LIMITS.maxMessages,
  maxBytes: RELAY_BATCH_LIMITS.maxMessageBatchBytes,
  weigh: (input) => input.payload.length,
});
