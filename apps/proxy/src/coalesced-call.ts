import { CLAW_HEADERS } from "@clawdentity/protocol";
import { AppError } from "@clawdentity/sdk/http";

/** Keeps a request's context alive until the work is done (`ExecutionContext.waitUntil`). */
export type WaitUntil = (work: Promise<unknown>) => void;

/**
 * How long a request waits for the call that carries its items, and how long one call may take
 * before the requests in it fail and the next call goes.
 */
export const COALESCED_WAIT_MS = 15_000;

/**
 * How often a waiting request looks for its outcome (or for a key left without a leader). It
 * looks from a timer of its own, never from a promise another request settles: the runtime can
 * run such a continuation in the context of the request that settled it, where this request's
 * own calls then fail (I/O on behalf of a different request).
 */
export const WAITING_CHECK_MS = 1;

/**
 * Calls one request makes in a row for those waiting: each is a subrequest of that request, and
 * the platform limits the subrequests of one request (50 on the free plan, its own few included).
 */
export const CALLS_PER_LEADER = 32;

/**
 * A session that did not answer in time: `503 PROXY_SESSION_UNAVAILABLE`, to be retried. A request
 * that was never carried stored nothing; one whose call is late may yet be stored, so a retry
 * sends the same messageId (a duplicate then answers as one).
 */
function sessionUnavailable(message: string): AppError {
  return new AppError("PROXY_SESSION_UNAVAILABLE", 503, message, undefined, { [CLAW_HEADERS.retryAfter]: "1" });
}

export interface CoalescedCallOptions<Item, Result> {
  /** One call carrying the items of every request in it, in order; one result per item, in that order. */
  call(env: Env, key: string, items: Item[]): Promise<Result[]>;
  /** Items one call may carry; a single request's items always go together, even past it. */
  maxItems: number;
  /** Bytes one call may carry (each item's weight); a single request's items always go together. */
  maxBytes?: number;
  weigh?: (item: Item) => number;
  waitMs?: number;
  checkMs?: number;
  callsPerLeader?: number;
}

type Outcome<Result> = { results: Result[] } | { error: unknown };

interface Waiting<Item, Result> {
  items: Item[];
  bytes: number;
  /** Written by the call that carried it, whichever request made that call; read by this request. */
  outcome: Outcome<Result> | null;
  /** Taken into a call, or given up: no longer waiting for one. */
  taken: boolean;
}

interface Lane<Item, Result> {
  /** A request is making calls to the key, one after another, for those waiting. */
  led: boolean;
  waiting: Waiting<Item, Result>[];
}

/**
 * Group commit across the requests of one isolate: a call to a key (a relay session) goes out at
 * once when none is on its way; requests arriving meanwhile wait and go together in the next call.
 * The request that made a call makes the next one too, in its own context, up to `callsPerLeader`
 * in a row; a key left without a leader is led by the next request to arrive or by the first
 * waiting one to look. No request ever awaits a promise another request settles: a call's results
 * are written into the waiting entries it carried, and each waiting request reads its own from a
 * timer of its own. Under load this turns N calls (N transactions) into one per round trip to the
 * session; a request that finds the key idle waits for nothing.
 */
export function createCoalescedCall<Item, Result>(options: CoalescedCallOptions<Item, Result>) {
  const {
    maxItems,
    maxBytes = Number.POSITIVE_INFINITY,
    weigh = () => 0,
    waitMs = COALESCED_WAIT_MS,
    checkMs = WAITING_CHECK_MS,
    callsPerLeader = CALLS_PER_LEADER,
  } = options;
  const lanes = new WeakMap<Env, Map<string, Lane<Item, Result>>>();

  const take = (lane: Lane<Item, Result>): Waiting<Item, Result>[] => {
    let items = 0;
    let bytes = 0;
    let count = 0;
    for (const next of lane.waiting) {
      const fits = items + next.items.length <= maxItems && bytes + next.bytes <= maxBytes;
      if (count > 0 && !fits) break;
      items += next.items.length;
      bytes += next.bytes;
      count += 1;
    }
    const batch = lane.waiting.splice(0, count);
    for (const waiting of batch) waiting.taken = true;
    return batch;
  };

  const callWithin = async (env: Env, key: string, items: Item[]): Promise<Result[]> => {
    let timer: ReturnType<typeof setTimeout> | null = null;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(sessionUnavailable(`the call to ${key} took over ${waitMs} ms`)), waitMs);
    });
    const results = await Promise.race([options.call(env, key, items), expired]).finally(() => clearTimeout(timer));
    if (results.length !== items.length) throw new Error(`${results.length} results for ${items.length} items`);
    return results;
  };

  const callFor = async (env: Env, key: string, batch: Waiting<Item, Result>[]): Promise<void> => {
    try {
      const results = await callWithin(
        env,
        key,
        batch.flatMap((waiting) => waiting.items),
      );
      let offset = 0;
      for (const waiting of batch) {
        waiting.outcome = { results: results.slice(offset, offset + waiting.items.length) };
        offset += waiting.items.length;
      }
    } catch (error) {
      for (const waiting of batch) waiting.outcome = { error };
    }
  };

  /**
   * Calls for the oldest waiting, one after another, in the context of the request running this;
   * `ownOutcome` is that request's own notice (called in its own context) once its outcome is in.
   */
  const lead = async (
    env: Env,
    key: string,
    lanesOfEnv: Map<string, Lane<Item, Result>>,
    lane: Lane<Item, Result>,
    own: { waiting: Waiting<Item, Result>; notify: () => void },
  ): Promise<void> => {
    lane.led = true;
    try {
      // After this turn, so the requests of the same turn go in the first call together.
      await Promise.resolve();
      for (let calls = 0; calls < callsPerLeader && lane.waiting.length > 0; calls += 1) {
        await callFor(env, key, take(lane));
        if (own.waiting.outcome) own.notify();
      }
    } finally {
      lane.led = false;
      if (lane.waiting.length === 0) lanesOfEnv.delete(key);
    }
  };

  return {
    /** This request's items sent to `key` with those of concurrent requests; its own results, in order. */
    submit(env: Env, key: string, items: Item[], waitUntil: WaitUntil): Promise<Result[]> {
      let lanesOfEnv = lanes.get(env);
      if (!lanesOfEnv) {
        lanesOfEnv = new Map();
        lanes.set(env, lanesOfEnv);
      }
      const ownLanes = lanesOfEnv;
      let lane = ownLanes.get(key);
      if (!lane) {
        lane = { led: false, waiting: [] };
        ownLanes.set(key, lane);
      }
      const ownLane = lane;
      const waiting: Waiting<Item, Result> = {
        items,
        bytes: items.reduce((sum, item) => sum + weigh(item), 0),
        outcome: null,
        taken: false,
      };
      ownLane.waiting.push(waiting);
      const waitedSince = Date.now();

      const result = new Promise<Result[]>((resolve, reject) => {
        let timer: ReturnType<typeof setTimeout> | null = null;
        let settled = false;
        const later = () => {
          timer ??= setTimeout(() => {
            timer = null;
            check();
          }, checkMs);
        };
        const leadNow = () => waitUntil(lead(env, key, ownLanes, ownLane, { waiting, notify: check }).finally(check));
        // Runs in this request's context only: from its own timer, or from the calls it leads.
        function check(): void {
          if (settled) return;
          const { outcome } = waiting;
          if (outcome) {
            settled = true;
            if (timer) clearTimeout(timer);
            if ("error" in outcome) reject(outcome.error);
            else resolve(outcome.results);
            return;
          }
          if (waiting.taken || (ownLane.led && Date.now() - waitedSince < waitMs)) {
            later();
          } else if (!ownLane.led) {
            leadNow();
          } else {
            // It leaves the lane, so a request that has given up is never carried.
            ownLane.waiting.splice(ownLane.waiting.indexOf(waiting), 1);
            waiting.taken = true;
            settled = true;
            reject(sessionUnavailable(`no call to ${key} carried this request within ${waitMs} ms`));
          }
        }
        check();
      });
      // A waiting request's context stays alive until its outcome, even if its client leaves.
      waitUntil(result.catch(() => undefined));
      return result;
    },
  };
}
