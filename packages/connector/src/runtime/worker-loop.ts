import type { Clock } from "@clawdentity/sdk";

/** The abort reason of tasks whose claim was rolled back with the transaction it ran in. */
const ROLLED_BACK = new Error("the transaction that claimed this task's rows did not commit");

/**
 * True when a task's claim was rolled back with the caller's transaction (`claimWithin`): its rows
 * hold no lease of its own, so it gives back its permit but must not release a row another claim
 * may hold by now.
 */
export function claimRolledBack(signal: AbortSignal): boolean {
  return signal.aborted && signal.reason === ROLLED_BACK;
}

/** One unit of claimed work; it must settle its row itself (done, retry, or released). */
export type WorkerTask = (signal: AbortSignal) => Promise<void>;

export interface WorkerLoopOptions {
  name: string;
  clock: Clock;
  concurrency: number;
  /** Upper bound on a sleep, so a missed wake-up or a clock jump never stalls a queue for long. */
  maxIdleMs: number;
  /** Claims up to `limit` due rows (synchronously, in one statement) and returns their tasks. */
  claim(limit: number): WorkerTask[];
  /** The next time something may become claimable, or null when only a wake-up can change that. */
  nextWakeAt(): number | null;
  onError(error: unknown): void;
}

export interface WorkerLoop {
  start(): void;
  /** Re-scan now (new row, a task finished, a test moved the clock). */
  wake(): void;
  /**
   * Claims what is due now from inside the caller's open transaction, which has just stored new
   * rows: their leases commit with them, so a new row goes without a claim commit of its own or a
   * turn of the loop. Returns what starts the claimed tasks once that transaction is over: given
   * `false` (it did not commit) they start aborted (`claimRolledBack`), so each hands its permit
   * back and leaves its rows alone. The loop then looks again itself (at once when nothing was
   * claimed, on its next turn otherwise: one claim may not take all that is due, as a batch).
   * What the claim does besides leasing (expiring rows into dead letters) is written in that
   * transaction too: rolled back with it, it is done again by the next claim, whose counters and
   * logs then count it a second time.
   */
  claimWithin(): (committed: boolean) => void;
  /** Stops claiming, aborts in-flight calls (their rows go back untouched) and waits for them. */
  stop(): Promise<void>;
  inFlight(): number;
}

/** A claim → run → sleep-until-due loop with bounded concurrency; the shape every queue worker shares. */
export function createWorkerLoop(options: WorkerLoopOptions): WorkerLoop {
  const { clock, concurrency, maxIdleMs } = options;
  const running = new Set<Promise<void>>();
  const abort = new AbortController();
  let stopped = true;
  let loop: Promise<void> | null = null;
  let wakeUp: (() => void) | null = null;
  let wakePending = false;

  const wake = () => {
    wakePending = true;
    wakeUp?.();
  };

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      if (wakePending || stopped) return resolve();
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        wakeUp = null;
        resolve();
      }
      wakeUp = done;
    });

  const launch = (task: WorkerTask, signal = abort.signal) => {
    const promise: Promise<void> = task(signal)
      .catch(options.onError)
      .finally(() => {
        running.delete(promise);
        wake();
      });
    running.add(promise);
  };

  /** The tasks of what is due now, as many as there is room for; none when a claim fails. */
  const claimFree = (): WorkerTask[] => {
    const free = concurrency - running.size;
    if (free <= 0) return [];
    try {
      return options.claim(free);
    } catch (error) {
      options.onError(error);
      return [];
    }
  };

  const run = async () => {
    while (!stopped) {
      wakePending = false;
      const tasks = claimFree();
      for (const task of tasks) launch(task);
      if (tasks.length > 0) {
        // Let the event loop breathe between claims when a backlog drains.
        await new Promise((resolve) => setImmediate(resolve));
        continue;
      }
      const wakeAt = safeNextWakeAt(options);
      const now = clock.nowMs();
      await sleep(wakeAt === null || wakeAt <= now ? maxIdleMs : Math.min(wakeAt - now, maxIdleMs));
    }
  };

  return {
    start() {
      if (!stopped) return;
      stopped = false;
      loop = run();
    },
    wake,
    claimWithin() {
      const tasks = stopped ? [] : claimFree();
      return (committed) => {
        const signal = committed ? abort.signal : AbortSignal.abort(ROLLED_BACK);
        for (const task of tasks) launch(task, signal);
        // After the calls just started have gone out, as the loop does after its own claims.
        if (tasks.length === 0) wake();
        else setImmediate(wake);
      };
    },
    async stop() {
      stopped = true;
      wake();
      abort.abort();
      await loop;
      await Promise.allSettled([...running]);
    },
    inFlight: () => running.size,
  };
}

function safeNextWakeAt(options: WorkerLoopOptions): number | null {
  try {
    return options.nextWakeAt();
  } catch (error) {
    options.onError(error);
    return null;
  }
}
