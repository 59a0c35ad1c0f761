import type { WaitUntil } from "../coalesced-call";
import { senderSessionCalls } from "../relay-sessions";
import type { SentMessageInput } from "../session";

/**
 * The sender's own timeline learns of accepts in the background, after the answer, in the next
 * call to its session: with the admissions of requests arriving meanwhile, or alone when none
 * comes. The messages are already stored, so a failure is logged, not thrown: the recipient's
 * first delivery report creates the record as well.
 */
export function recordSentSoon(env: Env, senderDid: string, inputs: SentMessageInput[], waitUntil: WaitUntil): void {
  const items = inputs.map((sent) => ({ sent }));
  senderSessionCalls.submit(env, senderDid, items, waitUntil).catch((error: unknown) => {
    console.warn("sender timeline not updated", { messages: inputs.length, error: String(error) });
  });
}
