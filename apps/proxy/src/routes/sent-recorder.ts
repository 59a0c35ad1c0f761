import { toRelaySession } from "../relay-sessions";
import type { SentMessageInput } from "../session";

/** Calls one flusher makes before it leaves what comes next to a flusher of a later request. */
const MAX_ROUNDS = 4;

interface Flusher {
  queued: SentMessageInput[];
}

/** Per isolate and environment: each sender's accepts waiting for the call that records them. */
const flushers = new WeakMap<Env, Map<string, Flusher>>();

async function recordSent(env: Env, senderDid: string, inputs: SentMessageInput[]): Promise<void> {
  try {
    await toRelaySession(env, senderDid).recordSent(inputs);
  } catch (error) {
    console.warn("sender timeline not updated", { messages: inputs.length, error: String(error) });
  }
}

/**
 * The sender's own timeline learns of accepts in the background, after the answer. While one call
 * for a sender is on its way, the accepts of other requests wait for the next one (a busy sender's
 * timeline costs one call per round trip to its session, not one per request), which the request
 * that made the first call sends, in its own context, for a few rounds at most. The messages are
 * already stored, so a failure is logged, not thrown: the recipient's first delivery report
 * creates the record as well.
 */
export function recordSentSoon(
  env: Env,
  senderDid: string,
  inputs: SentMessageInput[],
  waitUntil: (work: Promise<unknown>) => void,
): void {
  const senders = flushers.get(env) ?? new Map<string, Flusher>();
  flushers.set(env, senders);
  const running = senders.get(senderDid);
  if (running) {
    running.queued.push(...inputs);
    return;
  }
  const flusher: Flusher = { queued: [...inputs] };
  senders.set(senderDid, flusher);
  waitUntil(
    (async () => {
      for (let round = 1; flusher.queued.length > 0; round += 1) {
        // The last round takes what is queued and lets the next accept start a flusher of its own.
        if (round === MAX_ROUNDS) senders.delete(senderDid);
        const batch = flusher.queued;
        flusher.queued = [];
        await recordSent(env, senderDid, batch);
      }
      if (senders.get(senderDid) === flusher) senders.delete(senderDid);
    })(),
  );
}
