import { createCoalescedCall, type WaitUntil } from "../coalesced-call";
import { toRelaySession } from "../relay-sessions";
import type { SentMessageInput } from "../session";

/** Each sender's accepts of concurrent requests, recorded on its timeline in one call. */
const sentCalls = createCoalescedCall<SentMessageInput, null>({
  call: async (env, senderDid, inputs) => {
    await toRelaySession(env, senderDid).recordSent(inputs);
    return inputs.map(() => null);
  },
  maxItems: 256,
});

/**
 * The sender's own timeline learns of accepts in the background, after the answer; the accepts of
 * requests that come while a call for the same sender is on its way go together in the next one.
 * The messages are already stored, so a failure is logged, not thrown: the recipient's first
 * delivery report creates the record as well.
 */
export function recordSentSoon(env: Env, senderDid: string, inputs: SentMessageInput[], waitUntil: WaitUntil): void {
  sentCalls.submit(env, senderDid, inputs, waitUntil).catch((error: unknown) => {
    console.warn("sender timeline not updated", { messages: inputs.length, error: String(error) });
  });
}
