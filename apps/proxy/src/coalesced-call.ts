import { CLAW_HEADERS } from "@clawdentity/protocol";
import { AppError } from "@clawdentity/sdk/http";

/** Keeps a request's context alive until the work is done (`ExecutionContext.waitUntil`). */
export type WaitUntil = (work: Promise<unknown>) => void;

/**
 * How long a request waits for the call that carries its items, and how long one call may take
 * before the requests in it fail and the next call goes. A waiting request's own timer is also
 * what keeps it alive in workerd: a request whose only pending work is a promise another request
 * resolves is cancelled as hung; one with a timer of its own is not.
 */
export const COALESCED_WAIT_MS = 15_000;

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
}

interface Waiting<Item, Result> {
  items: Item[];
  bytes: number;
  waitUntil: WaitUntil;
  resolve(results: Result[]): void;
  reject(error: unknown): void;
  /** Called when this request is to make the next call (in its own context). */
  lead(): void;
}

interface Lane<Item, Result> {
  busy: boolean;
  waiting: Waiting<Item, Result>[];
}

/**
 * Group commit across the requests of one isolate: a call to a key (a relay session) goes out at
 * once when none is on its way; requests arriving meanwhile wait and go together in the next call,
 * which the oldest of them makes in its own request context (work one request awaits must never
 * belong to one that may finish first). Each request gets its own results, or the error of the
 * call that carried it. Under load this turns N calls (N transactions) into one per round trip to
 * the session; a request that finds the key idle waits for nothing.
 */
export function createCoalescedCall<Item, Result>(options: CoalescedCallOptions<Item, Result>) {
  const { maxItems, maxBytes = Number.POSITIVE_INFINITY, weigh = () => 0, waitMs = COALESCED_WAIT_MS } = options;
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
    return lane.waiting.splice(0, count);
  };

  const callWithin = (env: Env, key: string, items: Item[]): Promise<Result[]> => {
    let timer: ReturnType<typeof setTimeout> | null = null;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(sessionUnavailable(`the call to ${key} took over ${waitMs} ms`)), waitMs);
    });
    return Promise.race([options.call(env, key, items), expired]).finally(() => clearTimeout(timer));
  };

  const run = (env: Env, key: string, lanesOfEnv: Map<string, Lane<Item, Result>>, lane: Lane<Item, Result>) => {
    const release = () => {
      lane.busy = false;
      lanesOfEnv.delete(key);
    };
    const batch = take(lane);
    const leader = batch[0];
    if (!leader) return release();
    const done = (async () => {
      try {
        const items = batch.flatMap((waiting) => waiting.items);
        const results = await callWithin(env, key, items);
        if (results.length !== items.length) throw new Error(`${results.length} results for ${items.length} items`);
        let offset = 0;
        for (const waiting of batch) {
          waiting.resolve(results.slice(offset, offset + waiting.items.length));
          offset += waiting.items.length;
        }
      } catch (error) {
        for (const waiting of batch) waiting.reject(error);
      } finally {
        const next = lane.waiting[0];
        if (next) next.lead();
        else release();
      }
    })();
    leader.waitUntil(done);
  };

  return {
    /** This request's items sent to `key` with those of concurrent requests; its own results, in order. */
    submit(env: Env, key: string, items: Item[], waitUntil: WaitUntil): Promise<Result[]> {
      let lanesOfEnv = lanes.get(env);
      if (!lanesOfEnv) {
        lanesOfEnv = new Map();
        lanes.set(env, lanesOfEnv);
      }
      let lane = lanesOfEnv.get(key);
      if (!lane) {
        lane = { busy: false, waiting: [] };
        lanesOfEnv.set(key, lane);
      }
      // Made in this request's context, so the call its continuation makes is this request's own.
      let lead = () => {};
      const turn = new Promise<void>((resolve) => {
        lead = resolve;
      });
      void turn.then(() => run(env, key, lanesOfEnv, lane));
      // A request that finds the lane free leads the next call at once: that call's own timer
      // bounds it and keeps its context alive, so only a request that has to wait needs its own.
      const leadsNow = !lane.busy;
      const result = new Promise<Result[]>((resolve, reject) => {
        const waiting: Waiting<Item, Result> = {
          items,
          bytes: items.reduce((sum, item) => sum + weigh(item), 0),
          waitUntil,
          resolve: (results) => {
            clearTimeout(deadline);
            resolve(results);
          },
          reject: (error) => {
            clearTimeout(deadline);
            reject(error);
          },
          lead,
        };
        const deadline = leadsNow
          ? null
          : setTimeout(() => {
              // Still waiting: it leaves the lane, so a request that has given up never leads a call.
              const index = lane.waiting.indexOf(waiting);
              if (index >= 0) lane.waiting.splice(index, 1);
              reject(sessionUnavailable(`no call to ${key} carried this request within ${waitMs} ms`));
            }, waitMs);
        lane.waiting.push(waiting);
      });
      // A waiting request's context stays alive until its call is done, even if its client leaves.
      waitUntil(result.catch(() => undefined));
      if (leadsNow) {
        lane.busy = true;
        lead();
      }
      return result;
    },
  };
}
